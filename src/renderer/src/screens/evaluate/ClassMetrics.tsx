/** Overall accuracy, loss, top-k, and precision/recall/F1/support per class. */
import type { Evaluation } from '@shared/engine-events';
import { pct } from '../../lib/format';

export function ClassMetrics({ evaluation }: { evaluation: Evaluation }) {
  const e = evaluation;
  const macro = (k: 'precision' | 'recall' | 'f1') =>
    e.perClass.reduce((a, c) => a + c[k], 0) / e.perClass.length;
  return (
    <div className="card metrics-card">
      <h2>
        Metrics ({e.split === 'val' ? 'validation' : e.split}, {e.count} images)
      </h2>
      <dl className="eval-summary">
        <dt>Accuracy</dt>
        <dd data-testid="eval-accuracy">{pct(e.accuracy)}</dd>
        <dt>Loss</dt>
        <dd>{e.loss.toFixed(4)}</dd>
        <dt>Top-{e.topK.k}</dt>
        <dd>{pct(e.topK.accuracy)}</dd>
        <dt>Misclassified</dt>
        <dd>{e.misclassified.length}</dd>
      </dl>
      <div className="table-wrap">
        <table className="class-table" data-testid="class-metrics">
          <thead>
            <tr>
              <th scope="col">Class</th>
              <th scope="col" className="num">
                Precision
              </th>
              <th scope="col" className="num">
                Recall
              </th>
              <th scope="col" className="num">
                F1
              </th>
              <th scope="col" className="num">
                Support
              </th>
            </tr>
          </thead>
          <tbody>
            {e.perClass.map((c) => (
              <tr key={c.name} data-class={c.name}>
                <th scope="row">{c.name}</th>
                <td className="num">{c.precision.toFixed(3)}</td>
                <td className="num">{c.recall.toFixed(3)}</td>
                <td className="num">{c.f1.toFixed(3)}</td>
                <td className="num">{c.support}</td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row">macro average</th>
              <td className="num">{macro('precision').toFixed(3)}</td>
              <td className="num">{macro('recall').toFixed(3)}</td>
              <td className="num">{macro('f1').toFixed(3)}</td>
              <td className="num">{e.perClass.reduce((a, c) => a + c.support, 0)}</td>
            </tr>
          </tfoot>
        </table>
      </div>
    </div>
  );
}
