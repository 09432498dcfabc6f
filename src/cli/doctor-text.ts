/** The doctor's report for people: worst first, one or two lines a finding with its fix, coloured on a terminal. */
import type { DoctorReport } from '../diagnose/diagnose.js';
import type { Severity } from '../diagnose/findings.js';

const COLOURS: Record<Severity, string> = { error: '\x1b[31m', warning: '\x1b[33m', info: '\x1b[36m' };
const RESET = '\x1b[0m';

/** Colour only on a terminal, and never when NO_COLOR is set (no-color.org). */
export function useColour(stream: { isTTY?: boolean }): boolean {
  return stream.isTTY === true && (process.env.NO_COLOR ?? '') === '';
}

export function doctorLines(report: DoctorReport, colour: boolean): string[] {
  const { probe, counts } = report;
  const paint = (severity: Severity, text: string) => (colour ? `${COLOURS[severity]}${text}${RESET}` : text);
  const lines = [
    `probe: ${probe.steps} steps of ${probe.batchSize} rows, ${probe.optimizer} lr ${probe.lr}, backend ${probe.backend}; loss ${probe.initialLoss} -> ${probe.finalLoss ?? 'n/a'} (chance ${probe.chanceLoss}) in ${report.seconds} s`,
  ];
  for (const f of report.findings) {
    const where = f.layer === null ? '' : ` plan[${f.layer}]`;
    lines.push(`${paint(f.severity, f.severity.padEnd(7))} ${f.code}${where}: ${f.message}`);
    lines.push(`        fix: ${f.fix}`);
  }
  lines.push(
    report.healthy
      ? `healthy: no errors or warnings${counts.info ? ` (${counts.info} note${counts.info > 1 ? 's' : ''})` : ''}`
      : `${counts.error} error${counts.error === 1 ? '' : 's'}, ${counts.warning} warning${counts.warning === 1 ? '' : 's'}, ${counts.info} note${counts.info === 1 ? '' : 's'}`,
  );
  return lines;
}
