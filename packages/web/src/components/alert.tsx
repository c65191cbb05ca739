/** An error as the gateway worded it (nothing when there is none). */
export function Alert({ message }: { message: string | null | undefined }) {
  if (!message) return null;
  return (
    <p role="alert" class="alert">
      <span class="alert-glyph" aria-hidden="true">
        !
      </span>{' '}
      {message}
    </p>
  );
}
