import { useRuns } from '../state/runs';
import { STEPS } from '../steps';
import type { StepId } from '../steps';

export function StepNav({ current, onSelect }: { current: StepId; onSelect(id: StepId): void }) {
  // A run is training: the Train step says so wherever the user is.
  const training = !!useRuns().active;
  return (
    <nav className="steps" aria-label="Steps">
      <ol>
        {STEPS.map((s, i) => (
          <li key={s.id}>
            <button
              type="button"
              className={s.id === current ? 'step active' : 'step'}
              aria-current={s.id === current ? 'step' : undefined}
              onClick={() => onSelect(s.id)}
              data-step={s.id}
            >
              <span className="step-num">{i + 1}</span>
              <span className="step-label">{s.label}</span>
              {s.id === 'train' && training && (
                <span className="step-soon" data-testid="nav-training">
                  training…
                </span>
              )}
            </button>
          </li>
        ))}
      </ol>
    </nav>
  );
}
