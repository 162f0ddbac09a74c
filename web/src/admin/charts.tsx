/**
 * Small SVG charts, drawn by hand: a chart library would cost more of the JavaScript budget than
 * the whole console. Each chart is an image with a text summary for screen readers.
 */

export interface Series {
  name: string;
  color: string;
  values: number[];
}

const WIDTH = 480;
const HEIGHT = 160;
const PAD = { top: 10, right: 10, bottom: 20, left: 44 };

function niceMax(value: number): number {
  if (value <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * magnitude >= value) return step * magnitude;
  return 10 * magnitude;
}

const format = (value: number) => (value >= 100 || Number.isInteger(value) ? Math.round(value).toLocaleString('en') : value.toFixed(1));

function Legend({ series }: { series: Series[] }) {
  return (
    <div className="legend" aria-hidden="true">
      {series.map((item) => (
        <span key={item.name}>
          <i style={{ background: item.color }} />
          {item.name}
        </span>
      ))}
    </div>
  );
}

function Axes({ max }: { max: number }) {
  const ticks = [0, max / 2, max];
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  return (
    <g>
      {ticks.map((tick) => {
        const y = PAD.top + plotHeight - (tick / max) * plotHeight;
        return (
          <g key={tick}>
            <line x1={PAD.left} x2={WIDTH - PAD.right} y1={y} y2={y} stroke="#d9dce3" />
            <text x={PAD.left - 6} y={y + 4} textAnchor="end" fontSize="11" fill="#4b5060">
              {format(tick)}
            </text>
          </g>
        );
      })}
    </g>
  );
}

/** Lines over time (oldest left). */
export function LineChart({ title, series, unit, note }: { title: string; series: Series[]; unit: string; note?: string }) {
  const max = niceMax(Math.max(0, ...series.flatMap((item) => item.values)));
  const count = Math.max(2, ...series.map((item) => item.values.length));
  const plotWidth = WIDTH - PAD.left - PAD.right;
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const x = (index: number) => PAD.left + (index / (count - 1)) * plotWidth;
  const y = (value: number) => PAD.top + plotHeight - (value / max) * plotHeight;
  const summary = series.map((item) => `${item.name}: ${format(item.values.at(-1) ?? 0)} ${unit} now`).join('; ');
  return (
    <figure className="card chart">
      <figcaption>{title}</figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={`${title}. ${summary}`}>
        <Axes max={max} />
        {series.map((item) => (
          <polyline
            key={item.name}
            fill="none"
            stroke={item.color}
            strokeWidth="2.5"
            strokeLinejoin="round"
            points={item.values.map((value, index) => `${x(index + count - item.values.length)},${y(value)}`).join(' ')}
          />
        ))}
        <text x={WIDTH - PAD.right} y={HEIGHT - 4} textAnchor="end" fontSize="11" fill="#4b5060">
          now
        </text>
      </svg>
      <Legend series={series} />
      {note && <p className="muted">{note}</p>}
    </figure>
  );
}

/** Stacked bars over time (oldest left). */
export function StackedBars({ title, series, unit }: { title: string; series: Series[]; unit: string }) {
  const count = Math.max(1, ...series.map((item) => item.values.length));
  const totals = Array.from({ length: count }, (_, index) => series.reduce((sum, item) => sum + (item.values[index] ?? 0), 0));
  const max = niceMax(Math.max(0, ...totals));
  const plotWidth = WIDTH - PAD.left - PAD.right;
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const slot = plotWidth / Math.max(count, 12);
  const summary = series.map((item) => `${item.name}: ${format(item.values.at(-1) ?? 0)} ${unit}`).join('; ');
  return (
    <figure className="card chart">
      <figcaption>{title}</figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={`${title}. Latest interval: ${summary}`}>
        <Axes max={max} />
        {Array.from({ length: count }, (_, index) => {
          let base = PAD.top + plotHeight;
          const left = PAD.left + plotWidth - (count - index) * slot;
          return (
            // biome-ignore lint/suspicious/noArrayIndexKey: bars are positions in time, re-drawn on every scrape
            <g key={index}>
              {series.map((item) => {
                const height = ((item.values[index] ?? 0) / max) * plotHeight;
                base -= height;
                return <rect key={item.name} x={left + 1} y={base} width={Math.max(1, slot - 2)} height={height} fill={item.color} />;
              })}
            </g>
          );
        })}
      </svg>
      <Legend series={series} />
    </figure>
  );
}

/** Horizontal bars, one per label: a snapshot, not a history. */
export function HorizontalBars({ title, values, empty }: { title: string; values: [label: string, value: number][]; empty: string }) {
  const max = niceMax(Math.max(0, ...values.map(([, value]) => value)));
  return (
    <figure className="card chart">
      <figcaption>{title}</figcaption>
      {values.length === 0 ? (
        <p className="muted">{empty}</p>
      ) : (
        <table>
          <tbody>
            {values.map(([label, value]) => (
              <tr key={label}>
                <th scope="row" style={{ textTransform: 'none', width: '35%' }}>
                  {label}
                </th>
                <td>
                  <div style={{ background: '#1d4ed8', height: '0.9rem', borderRadius: 3, width: `${(value / max) * 100}%`, minWidth: 2 }} />
                </td>
                <td className="num">{format(value)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </figure>
  );
}
