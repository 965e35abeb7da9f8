/** Calendar feeds in the web app (SPEC §13): the public feed's address, and one event's .ics download. */

const FEED_PATH = '/api/v1/calendar.ics';

/** The subscription address of every published event, to paste into a calendar app. */
export function FeedAddress() {
  const https = `${window.location.origin}${FEED_PATH}`;
  const webcal = https.replace(/^https?:/, 'webcal:');
  return (
    <p className="muted feed-address">
      Calendar feed:{' '}
      <input
        aria-label="Calendar feed address"
        readOnly
        value={https}
        size={Math.min(60, https.length)}
        onFocus={(e) => e.currentTarget.select()}
      />{' '}
      <a href={webcal}>Subscribe</a>
    </p>
  );
}

/** Downloads the event as an .ics file; the cookie session lets an owner add a draft too. */
export function AddToCalendar({ id }: { id: string }) {
  return (
    <a className="button" href={`/api/v1/events/${encodeURIComponent(id)}/calendar.ics`} download="event.ics">
      Add to calendar
    </a>
  );
}
