/**
 * Import and export for admins (SPEC §15): pick a file, see the dry run's report as a table,
 * then import for real. The server validates every record; this page only shows what it said.
 */
import { CAMPUSCONNECT_ZONE, IMPORT_FORMATS, type ImportFormat, type RejectedRecord } from '@kairos/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { ErrorBox } from '../../components/Feedback.tsx';
import { ApiError, qs } from '../../lib/api.ts';

interface ImportReport {
  created: number;
  skipped: number;
  rejected: RejectedRecord[];
}

/** POST the file as it is: JSON Lines, or a JSON array when it starts with `[`. */
async function postImport(text: string, params: Record<string, string | undefined>): Promise<ImportReport> {
  const type = text.trimStart().startsWith('[') ? 'application/json' : 'application/x-ndjson';
  let res: Response;
  try {
    res = await fetch(`/api/v1/events/import${qs(params)}`, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': type, accept: 'application/json' },
      body: text,
    });
  } catch {
    throw new ApiError(0, 'network', 'The server cannot be reached. Check your connection and try again.');
  }
  const json = await res.json().catch(() => undefined);
  if (!res.ok) {
    const e = json?.error;
    throw new ApiError(res.status, e?.code ?? 'unknown', e?.message ?? `request failed (${res.status})`, e?.details ?? []);
  }
  return json as ImportReport;
}

function Report({ report, dryRun }: { report: ImportReport; dryRun: boolean }) {
  return (
    <>
      <p role="status">
        {dryRun ? 'Dry run, nothing written: would create' : 'Created'} {report.created}, skipped {report.skipped} (id exists),
        rejected {report.rejected.length}.
      </p>
      {report.rejected.length > 0 && (
        <table>
          <thead>
            <tr>
              <th>Line</th>
              <th>Id</th>
              <th>Field</th>
              <th>Problem</th>
            </tr>
          </thead>
          <tbody>
            {report.rejected.flatMap((r) =>
              r.details.map((d) => (
                <tr key={`${r.line}-${d.path}-${d.message}`}>
                  <td>{r.line}</td>
                  <td>{r.id ?? '—'}</td>
                  <td>{d.path || '—'}</td>
                  <td>{d.message}</td>
                </tr>
              )),
            )}
          </tbody>
        </table>
      )}
    </>
  );
}

export function ImportPage() {
  const client = useQueryClient();
  const [file, setFile] = useState<{ name: string; text: string } | null>(null);
  const [format, setFormat] = useState<ImportFormat>('kairos');
  const [zone, setZone] = useState(CAMPUSCONNECT_ZONE);
  const [atomic, setAtomic] = useState(false);
  const run = useMutation({
    mutationFn: ({ dryRun }: { dryRun: boolean }) =>
      postImport(file?.text ?? '', {
        format,
        sourceTimezone: format === 'campusconnect' ? zone : undefined,
        dryRun: String(dryRun),
        atomic: String(atomic),
      }),
    onSuccess: (_report, { dryRun }) => {
      if (!dryRun) void client.invalidateQueries({ queryKey: ['events'] });
    },
  });
  const choose = async (f: File | undefined) => {
    run.reset();
    setFile(f ? { name: f.name, text: await f.text() } : null);
  };
  return (
    <section>
      <h1>Import and export</h1>
      <p>
        <a className="button" href="/api/v1/events/export" download="kairos-events.jsonl">
          Export every event (JSON Lines)
        </a>
      </p>
      <form className="narrow" onSubmit={(e) => e.preventDefault()}>
        <h2>Import</h2>
        <label>
          File (JSON Lines or a JSON array)
          <input type="file" accept=".jsonl,.ndjson,.json,application/json" onChange={(e) => void choose(e.target.files?.[0])} />
        </label>
        <label>
          Format
          <select value={format} onChange={(e) => setFormat(e.target.value as ImportFormat)}>
            {IMPORT_FORMATS.map((f) => (
              <option key={f} value={f}>
                {f === 'kairos' ? 'Kairos export' : 'CampusConnect (mongoexport)'}
              </option>
            ))}
          </select>
        </label>
        {format === 'campusconnect' && (
          <label>
            Time zone of its wall times (becomes the events’ zone)
            <input value={zone} onChange={(e) => setZone(e.target.value)} />
          </label>
        )}
        <label>
          <input type="checkbox" checked={atomic} onChange={(e) => setAtomic(e.target.checked)} /> All or nothing: create none if
          any record is rejected
        </label>
        <div className="actions">
          <button type="button" disabled={!file || run.isPending} onClick={() => run.mutate({ dryRun: true })}>
            Check (dry run)
          </button>
          <button
            type="button"
            disabled={!file || run.isPending || !run.data || run.variables?.dryRun !== true}
            onClick={() => run.mutate({ dryRun: false })}
          >
            Import
          </button>
        </div>
      </form>
      <ErrorBox error={run.error} />
      {run.data && <Report report={run.data} dryRun={run.variables?.dryRun === true} />}
    </section>
  );
}
