/**
 * A small hand-written SVG line chart with stacked panels sharing one time axis: enough for the benchmark's
 * picture without a charting dependency, and viewable in any browser or converted with ImageMagick.
 */

/** One line (or dot series) of a panel; `values[i]` is the value at second `i`, null for a gap. */
export interface ChartSeries {
  label: string;
  color: string;
  values: readonly (number | null)[];
  dashed?: boolean;
  /** Draw a dot per value instead of a line: for sparse series, such as lag, measured only when restores finish. */
  dots?: boolean;
}

/** One panel: its own y axis, one or more series. */
export interface ChartPanel {
  title: string;
  yLabel: string;
  series: readonly ChartSeries[];
}

/** The whole chart. */
export interface ChartSpec {
  title: string;
  subtitle: string;
  xLabel: string;
  panels: readonly ChartPanel[];
}

const WIDTH = 1100;
const PANEL_HEIGHT = 210;
const PANEL_GAP = 62;
const TOP = 100;
const LEFT = 82;
const RIGHT = 230;
const BOTTOM = 56;
const FONT = 'font-family="Helvetica, Arial, sans-serif"';

/** Renders the chart as a standalone SVG document. */
export function renderSvgChart(spec: ChartSpec): string {
  const plotWidth = WIDTH - LEFT - RIGHT;
  const height = TOP + spec.panels.length * PANEL_HEIGHT + (spec.panels.length - 1) * PANEL_GAP + BOTTOM;
  const seconds = Math.max(2, ...spec.panels.flatMap((p) => p.series.map((s) => s.values.length)));
  const xTicks = niceTicks(0, seconds - 1, 10);
  const xMax = Math.max(seconds - 1, xTicks.at(-1) ?? 1);
  const x = (second: number): number => LEFT + (second / xMax) * plotWidth;

  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="${LEFT}" y="30" ${FONT} font-size="19" font-weight="bold" fill="#222">${escape(spec.title)}</text>`,
    `<text x="${LEFT}" y="53" ${FONT} font-size="12.5" fill="#555">${escape(spec.subtitle)}</text>`,
  ];
  spec.panels.forEach((panel, index) => {
    const top = TOP + index * (PANEL_HEIGHT + PANEL_GAP);
    parts.push(renderPanel(panel, top, plotWidth, x, xTicks, index === spec.panels.length - 1 ? spec.xLabel : ''));
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

function renderPanel(
  panel: ChartPanel,
  top: number,
  plotWidth: number,
  x: (second: number) => number,
  xTicks: readonly number[],
  xLabel: string
): string {
  const bottom = top + PANEL_HEIGHT;
  const values = panel.series.flatMap((s) => s.values.filter((v): v is number => v !== null && Number.isFinite(v)));
  const yTicks = niceTicks(0, Math.max(1e-9, ...values, 0), 5);
  const yMax = yTicks.at(-1) ?? 1;
  const y = (value: number): number => bottom - (value / yMax) * PANEL_HEIGHT;
  const out: string[] = [`<g>`];
  out.push(
    `<text x="${LEFT}" y="${top - 10}" ${FONT} font-size="14" font-weight="bold" fill="#333">${escape(panel.title)}</text>`
  );
  for (const tick of yTicks) {
    const ty = y(tick).toFixed(1);
    out.push(`<line x1="${LEFT}" y1="${ty}" x2="${LEFT + plotWidth}" y2="${ty}" stroke="#e6e6e6" stroke-width="1"/>`);
    out.push(
      `<text x="${LEFT - 8}" y="${ty}" ${FONT} font-size="11" fill="#444" text-anchor="end" dominant-baseline="middle">${formatTick(tick)}</text>`
    );
  }
  for (const tick of xTicks) {
    const tx = x(tick).toFixed(1);
    out.push(`<line x1="${tx}" y1="${bottom}" x2="${tx}" y2="${bottom + 5}" stroke="#444" stroke-width="1"/>`);
    out.push(
      `<text x="${tx}" y="${bottom + 18}" ${FONT} font-size="11" fill="#444" text-anchor="middle">${formatTick(tick)}</text>`
    );
  }
  out.push(
    `<rect x="${LEFT}" y="${top}" width="${plotWidth}" height="${PANEL_HEIGHT}" fill="none" stroke="#444" stroke-width="1"/>`
  );
  const midY = top + PANEL_HEIGHT / 2;
  out.push(
    `<text x="${LEFT - 58}" y="${midY}" ${FONT} font-size="12" fill="#333" text-anchor="middle" transform="rotate(-90 ${LEFT - 58} ${midY})">${escape(panel.yLabel)}</text>`
  );
  if (xLabel !== '') {
    out.push(
      `<text x="${LEFT + plotWidth / 2}" y="${bottom + 42}" ${FONT} font-size="12" fill="#333" text-anchor="middle">${escape(xLabel)}</text>`
    );
  }
  out.push(`<g>`);
  for (const series of panel.series) out.push(series.dots ? dotsOf(series, x, y) : pathOf(series, x, y));
  out.push(`</g>`);
  panel.series.forEach((series, i) => {
    const ly = top + 14 + i * 20;
    const lx = LEFT + plotWidth + 16;
    const sample = series.dots
      ? `<circle cx="${lx + 12}" cy="${ly}" r="3" fill="${series.color}"/>`
      : `<line x1="${lx}" y1="${ly}" x2="${lx + 24}" y2="${ly}" stroke="${series.color}" stroke-width="2.2"${series.dashed ? ' stroke-dasharray="6 4"' : ''}/>`;
    out.push(sample);
    out.push(
      `<text x="${lx + 32}" y="${ly}" ${FONT} font-size="11.5" fill="#333" dominant-baseline="middle">${escape(series.label)}</text>`
    );
  });
  out.push(`</g>`);
  return out.join('\n');
}

function pathOf(series: ChartSeries, x: (s: number) => number, y: (v: number) => number): string {
  let d = '';
  let drawing = false;
  series.values.forEach((value, second) => {
    if (value === null || !Number.isFinite(value)) {
      drawing = false;
      return;
    }
    d += `${drawing ? 'L' : 'M'}${x(second).toFixed(1)} ${y(value).toFixed(1)}`;
    drawing = true;
  });
  if (d === '') return '';
  const dash = series.dashed ? ' stroke-dasharray="6 4"' : '';
  return `<path d="${d}" fill="none" stroke="${series.color}" stroke-width="1.8" stroke-linejoin="round"${dash}/>`;
}

function dotsOf(series: ChartSeries, x: (s: number) => number, y: (v: number) => number): string {
  const dots: string[] = [];
  series.values.forEach((value, second) => {
    if (value === null || !Number.isFinite(value)) return;
    dots.push(`<circle cx="${x(second).toFixed(1)}" cy="${y(value).toFixed(1)}" r="2.2"/>`);
  });
  return `<g fill="${series.color}" fill-opacity="0.75">${dots.join('')}</g>`;
}

/** Round tick values from `min` to at least `max`: steps of 1, 2 or 5 times a power of ten. */
function niceTicks(min: number, max: number, count: number): number[] {
  const span = Math.max(max - min, 1e-9);
  const raw = span / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * power >= raw) ?? 10) * power;
  const ticks: number[] = [];
  for (let tick = Math.floor(min / step) * step; tick < max + step * 0.999; tick += step) {
    ticks.push(Number(tick.toPrecision(12)));
    if (ticks.length > 50) break;
  }
  return ticks;
}

function formatTick(value: number): string {
  if (Math.abs(value) >= 10_000) return `${Number((value / 1000).toPrecision(4))}k`;
  return String(Number(value.toPrecision(6)));
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
