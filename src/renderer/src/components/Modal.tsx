/** A modal dialog shell: backdrop (click outside closes), focus on open, Escape closes. */
import { useEffect, useRef } from 'react';
import type { KeyboardEvent, ReactNode } from 'react';
import { useEscape } from '../lib/use-escape';

interface Props {
  label: string;
  className: string;
  onClose(): void;
  onKeyDown?(e: KeyboardEvent<HTMLDivElement>): void;
  testId?: string;
  children: ReactNode;
}

export function Modal({ label, className, onClose, onKeyDown, testId, children }: Props) {
  const ref = useRef<HTMLDivElement>(null);
  useEscape(onClose);
  useEffect(() => ref.current?.focus(), []);
  return (
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div
        className={`modal ${className}`}
        role="dialog"
        aria-modal="true"
        aria-label={label}
        tabIndex={-1}
        ref={ref}
        data-testid={testId}
        onKeyDown={onKeyDown}
      >
        {children}
      </div>
    </div>
  );
}
