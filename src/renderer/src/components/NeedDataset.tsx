/** What a step shows before a dataset is open. */
export function NeedDataset({ title, what }: { title: string; what: string }) {
  return (
    <section className="screen" aria-label={title}>
      <h1>{title}</h1>
      <div className="card empty-state" data-testid="need-dataset">
        <p>Open a dataset first (step 1) — {what}</p>
      </div>
    </section>
  );
}
