/** Horizontal probability bars (top-k or all classes). */
export function ProbBars({
  rows,
  highlight,
}: {
  rows: { label: string; probability: number }[];
  highlight?: string;
}) {
  return (
    <ul className="prob-bars">
      {rows.map((r) => (
        <li key={r.label} className={r.label === highlight ? 'hl' : undefined}>
          <span className="prob-label" title={r.label}>
            {r.label}
          </span>
          <span className="prob-track">
            <span className="prob-fill" style={{ width: `${Math.max(0.5, r.probability * 100)}%` }} />
          </span>
          <span className="prob-value">{(r.probability * 100).toFixed(1)}%</span>
        </li>
      ))}
    </ul>
  );
}
