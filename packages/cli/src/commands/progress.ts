/** A one-line bar redrawn in place; only on a terminal, so pipes and `--json` stay clean. */
export function progressBar(stream: NodeJS.WriteStream, verb: string, noun: string): (done: number, total: number) => void {
  const width = 30;
  let lastDrawn = -1;
  return (done, total) => {
    const permille = total === 0 ? 1000 : Math.floor((done / total) * 1000);
    if (permille === lastDrawn) return;
    lastDrawn = permille;
    const filled = Math.round((permille / 1000) * width);
    stream.write(`\r${verb} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${noun}`);
    if (done >= total) stream.write('\n');
  };
}
