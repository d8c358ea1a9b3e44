import type { Step } from '../steps';

export function Placeholder({ step }: { step: Step }) {
  return (
    <section className="screen placeholder" aria-labelledby="ph-title">
      <h1 id="ph-title">{step.label}</h1>
      <p className="coming">Coming next.</p>
      <p>{step.coming}</p>
    </section>
  );
}
