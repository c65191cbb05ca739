import type { ComponentChildren, RefObject } from 'preact';
import { useEffect, useRef } from 'preact/hooks';

const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

interface ModalProps {
  titleId: string;
  onClose: () => void;
  /** What gets focus on open (the confirm text input). */
  initialFocus: RefObject<HTMLElement | null>;
  children: ComponentChildren;
}

/**
 * A modal dialog: the native `<dialog>` shown with showModal (the rest of the page is inert),
 * focus moved in on open, Tab kept inside, Escape closes, focus back to the opener on close.
 */
export function Modal({ titleId, onClose, initialFocus, children }: ModalProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const close = useRef(onClose);
  close.current = onClose;

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (!dialog.open) dialog.showModal();
    (initialFocus.current ?? dialog).focus();
    return () => {
      if (dialog.open) dialog.close();
      // The opener may be gone (a stop button of a job that has just ended): the main heading then.
      const back = opener?.isConnected ? opener : document.getElementById('main');
      back?.focus();
    };
  }, []);

  const onKeyDown = (ev: KeyboardEvent) => {
    if (ev.key === 'Escape') {
      ev.preventDefault();
      close.current();
      return;
    }
    if (ev.key !== 'Tab' || !ref.current) return;
    const items = [...ref.current.querySelectorAll<HTMLElement>(FOCUSABLE)];
    const first = items[0];
    const last = items[items.length - 1];
    if (!first || !last) {
      ev.preventDefault();
      return;
    }
    const active = document.activeElement;
    if (ev.shiftKey && (active === first || !ref.current.contains(active))) {
      ev.preventDefault();
      last.focus();
    } else if (!ev.shiftKey && (active === last || !ref.current.contains(active))) {
      ev.preventDefault();
      first.focus();
    }
  };

  return (
    <dialog
      ref={ref}
      // biome-ignore lint/a11y/noRedundantRoles: the DOM contract names role="dialog" literally
      role="dialog"
      aria-modal="true"
      aria-labelledby={titleId}
      class="modal"
      onKeyDown={onKeyDown}
      onCancel={(ev) => {
        ev.preventDefault();
        close.current();
      }}
    >
      {children}
    </dialog>
  );
}
