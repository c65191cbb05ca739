import type { Ref } from 'preact';
import { useId } from 'preact/hooks';

interface ConfirmWordProps {
  word: string;
  value: string;
  onInput: (value: string) => void;
  inputRef: Ref<HTMLInputElement>;
}

/** "Type <word> to confirm": the confirm button waits for exactly this word. */
export function ConfirmWord({ word, value, onInput, inputRef }: ConfirmWordProps) {
  const id = useId();
  return (
    <p class="field">
      <label for={id}>
        Type <code>{word}</code> to confirm
      </label>
      <input
        id={id}
        ref={inputRef}
        type="text"
        value={value}
        autocomplete="off"
        autocapitalize="off"
        spellcheck={false}
        onInput={(ev) => onInput(ev.currentTarget.value)}
      />
    </p>
  );
}
