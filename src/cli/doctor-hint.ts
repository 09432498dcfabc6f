/** The line `descent train` ends a failed run with: the same command line, as `descent doctor`. */
export function doctorHint(why: string): string {
  const at = process.argv.indexOf('train');
  const flags = at < 0 ? [] : process.argv.slice(at + 1);
  const quoted = flags.map((f) => (/^[\w@%+=:,./-]+$/.test(f) ? f : `'${f.replace(/'/g, `'\\''`)}'`));
  return `${why}: run \`descent doctor ${quoted.join(' ')}\` to see why`;
}
