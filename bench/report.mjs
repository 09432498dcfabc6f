// The benchmark's table for people.

function pad(text, width, right = false) {
  const s = String(text);
  return right ? s.padStart(width) : s.padEnd(width);
}

function fixed(value, digits) {
  return value === null || value === undefined ? '-' : value.toFixed(digits);
}

const EVENT_LOOP_CASES = {
  'fit-bytes': 'fit, Fashion-MNIST 60,000 x 784 bytes, validation 0.1, 3 epochs',
  'fit-float32': 'fit, the same as float32',
  'fit-bytes-no-validation': 'fit, bytes, no validation',
  'fit-float32-no-validation': 'fit, float32, no validation',
  predictAsync: 'predictAsync, 100,000 rows x 784 float32',
};

const ms = (value) => `${value.toFixed(1)} ms`;

export function printTable({ machine, sgemmPeak, rounds, rows, memory, digits, fashion, predict, doctor, eventLoop, fitOverhead, skipped }) {
  const out = [];
  out.push(`machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}`);
  if (sgemmPeak) {
    out.push(
      `sgemm peak (native, ${sgemmPeak.size}^3, ${sgemmPeak.threads} threads, ${sgemmPeak.blas}): ${sgemmPeak.gflops.toFixed(1)} GFLOP/s, the median of ${sgemmPeak.measurements} (one before each trial of each round; "% peak" is against the one before)`,
    );
  }
  if (rows.length > 0) printRows(out, rows, rounds);
  for (const [name, reason] of Object.entries(skipped)) out.push(`${name}: skipped: ${reason}`);
  if (memory) {
    out.push('');
    out.push('peak RSS, one epoch of 60,000 x 784 (784-256-128-10, batch 128; native keeps the pixels as bytes):');
    for (const [name, m] of Object.entries(memory)) {
      out.push(
        m.skipped
          ? `  ${name}: skipped: ${m.skipped}`
          : `  ${pad(name, 14)} ${m.peakRssMiB.toFixed(0).padStart(6)} MiB  (epoch ${m.seconds.toFixed(2)} s)`,
      );
    }
    if (memory.native?.peakRssMiB && memory.pytorch?.peakRssMiB) {
      const ratio = (m) => (m.peakRssMiB / memory.pytorch.peakRssMiB).toFixed(2);
      const float = memory['native float32'];
      out.push(`  native / pytorch: ${ratio(memory.native)}${float?.peakRssMiB ? ` (with float32 inputs: ${ratio(float)})` : ''}`);
    }
  }
  if (digits) {
    out.push('');
    out.push('descent train --data digits (defaults, 20% stratified test split), seeds 0-4:');
    for (const backend of ['js', 'native']) {
      const d = digits[backend];
      if (!d) continue;
      out.push(
        `  ${pad(backend, 7)} mean test accuracy ${(100 * d.meanTestAccuracy).toFixed(2)}%  mean time ${d.meanSeconds.toFixed(3)} s  (${d.accuracies.map((a) => (100 * a).toFixed(1)).join(', ')})`,
      );
    }
    if (digits.nativeSpeedup) {
      out.push(`  native: ${digits.nativeSpeedup.toFixed(1)}x faster, accuracy ${digits.accuracyGapPoints >= 0 ? '+' : ''}${digits.accuracyGapPoints.toFixed(2)} points vs js`);
    }
  }
  if (doctor) {
    out.push('');
    out.push(`diagnose() on the digits (target under ${doctor.targetSeconds} s): ${doctor.pass ? 'pass' : 'FAIL'}`);
    for (const c of doctor.cases) out.push(`  ${c.name}: worst ${c.worstSeconds.toFixed(3)} s (${c.seconds.map((s) => s.toFixed(3)).join(', ')})`);
  }
  if (eventLoop) {
    out.push('');
    if (eventLoop.skipped) {
      out.push(`event loop: skipped: ${eventLoop.skipped}`);
    } else {
      out.push(`longest event-loop gap, a 1 ms timer beside descent native (target at most ${eventLoop.targetMs} ms): ${eventLoop.pass ? 'pass' : 'FAIL'}`);
      for (const c of eventLoop.cases) {
        const epoch = c.epochSeconds === null ? '' : `, epoch ${c.epochSeconds.toFixed(3)} s`;
        out.push(`  ${EVENT_LOOP_CASES[c.name] ?? c.name}: ${ms(c.medianMs)} (median of ${c.runs.length} runs; worst ${ms(c.worstMs)})${epoch}`);
        if (c.baseline) {
          const theirs = c.baseline.epochSeconds === null ? '' : `, epoch ${c.baseline.epochSeconds.toFixed(3)} s`;
          out.push(`    baseline: ${ms(c.baseline.medianMs)} (worst ${ms(c.baseline.worstMs)})${theirs}`);
        }
      }
    }
  }
  if (fitOverhead) {
    out.push('');
    if (fitOverhead.skipped) {
      out.push(`fit's fixed cost: skipped: ${fitOverhead.skipped}`);
    } else {
      const { job, descent } = fitOverhead;
      out.push(
        `fit's fixed cost, ${job.n.toLocaleString('en-US')} x ${job.layers[0]} rows, ${job.layers.join('-')} at batch ${job.batch}, ${job.epochs} epochs (medians of 3 processes): ${fitOverhead.pass ? 'pass' : 'FAIL'}`,
      );
      for (const [name, d] of Object.entries(descent)) {
        out.push(`  descent ${name}: fit to first epoch ${ms(d.fixedMs)} (target ${ms(d.fixedTargetMs)}), whole fit ${ms(d.fitMs)}`);
      }
      if (fitOverhead.pytorchMs === null) out.push('  pytorch: skipped');
      else {
        out.push(`  pytorch, the same job in its usual loop: ${ms(fitOverhead.pytorchMs)}`);
        out.push(`  descent native through fit: ${fitOverhead.speedup.toFixed(1)}x PyTorch (target at least ${fitOverhead.speedupTarget}x)`);
      }
    }
  }
  if (fashion) {
    out.push('');
    if (fashion.skipped) {
      out.push(`descent train --data fashion-mnist: skipped: ${fashion.skipped}`);
    } else {
      const d = fashion.descent;
      out.push(`descent train --data fashion-mnist (defaults: ${d.layers.join('-')}, dropout ${d.dropout}, adam lr ${d.lr}, cosine, batch ${d.batch}, ${d.epochs} epochs), official 10,000 test images:`);
      out.push(`  descent native  test accuracy ${(100 * d.testAccuracy).toFixed(2)}%  wall ${d.wallSeconds.toFixed(1)} s (loading included)  peak RSS ${d.peakRssMiB.toFixed(0)} MiB (limit ${fashion.rssLimitMiB.toFixed(0)})`);
      const p = fashion.pytorch;
      if (p.skipped || p.error) out.push(`  pytorch: skipped: ${p.skipped ?? p.error}`);
      else {
        out.push(`  pytorch         test accuracy ${(100 * p.testAccuracy).toFixed(2)}%  wall ${p.wallSeconds.toFixed(1)} s, CPU ${p.cpuSeconds.toFixed(1)} s (loading included)  peak RSS ${p.peakRssMiB.toFixed(0)} MiB`);
        out.push(`  descent wall / PyTorch CPU: ${fashion.wallOverPytorchCpu.toFixed(2)} (target at most 0.5)`);
      }
    }
  }
  if (predict) {
    out.push('');
    out.push(
      predict.skipped
        ? `descent predict over 1,000,000 CSV rows: skipped: ${predict.skipped}`
        : `descent predict over ${predict.rows.toLocaleString('en-US')} CSV rows (${predict.inputMiB.toFixed(0)} MiB, 64 features): ${predict.seconds.toFixed(1)} s, ${Math.round(predict.rowsPerSecond).toLocaleString('en-US')} rows/s, peak RSS ${predict.peakRssMiB.toFixed(0)} MiB (target under 300 MB)`,
    );
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

/** The trial table: one row per trial and backend. */
function printRows(out, rows, rounds) {
  out.push(`each cell: ${rounds === 1 ? 'one round' : `the median of ${rounds} interleaved rounds`}; "native x" = how many times faster descent native is`);
  out.push('');
  const header = ['trial', 'backend', 'samples/s', 'us/step', 'GFLOP/s', '% peak', 'native x'];
  const widths = [32, 16, 12, 12, 9, 7, 9];
  out.push(header.map((h, i) => pad(h, widths[i], i > 1)).join(' '));
  out.push(widths.map((w) => '-'.repeat(w)).join(' '));
  let lastTrial = '';
  for (const row of rows) {
    out.push(
      [
        pad(row.trial === lastTrial ? '' : row.trial, widths[0]),
        pad(row.backend, widths[1]),
        pad(Math.round(row.samplesPerSecond).toLocaleString('en-US'), widths[2], true),
        pad(row.usPerStep >= 100 ? Math.round(row.usPerStep).toLocaleString('en-US') : row.usPerStep.toFixed(1), widths[3], true),
        pad(fixed(row.gflops, 1), widths[4], true),
        pad(fixed(row.percentOfPeak, 0), widths[5], true),
        pad(row.backend === 'descent native' ? '' : fixed(row.nativeSpeedup, 2), widths[6], true),
      ].join(' '),
    );
    lastTrial = row.trial;
  }
}
