/** One figure of a benchmark, printed as a table row or (with --json) one JSON line. */
export interface Figure {
  bench: string;
  metric: string;
  value: number;
  unit: string;
  /** The target; `ok` compares with `better`. */
  target?: number;
  better?: 'lower' | 'higher';
  ok?: boolean;
}

export const jsonOutput = process.argv.includes('--json');

export function report(figure: Figure): Figure {
  const ok = figure.ok ?? (figure.target === undefined ? true : figure.better === 'higher' ? figure.value >= figure.target : figure.value <= figure.target);
  const out = { bench: figure.bench, metric: figure.metric, value: round(figure.value), unit: figure.unit, ...(figure.target !== undefined ? { target: figure.target } : {}), ok };
  if (jsonOutput) console.log(JSON.stringify(out));
  else {
    const target = figure.target !== undefined ? `${figure.better === 'higher' ? '≥' : '≤'} ${figure.target} ${figure.unit}` : '';
    console.log(`${ok ? 'ok  ' : 'MISS'}  ${figure.bench.padEnd(12)} ${figure.metric.padEnd(38)} ${String(out.value).padStart(12)} ${figure.unit.padEnd(8)} ${target}`);
  }
  return { ...figure, ok };
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function round(v: number): number {
  return Math.abs(v) >= 100 ? Math.round(v) : Math.round(v * 1000) / 1000;
}

/** Progress lines go to stderr, so --json output stays clean. */
export function note(message: string): void {
  process.stderr.write(`${message}\n`);
}
