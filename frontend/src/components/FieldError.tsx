/** A form's errors by field path, as the API reports them ("goal.filters[0].value"). */
export type Errors = Record<string, string>;

/** The message for one field path, if the server gave one. */
export function FieldError({ errors, path }: { errors: Errors; path: string }) {
  const message = errors[path];
  return message ? (
    <p className="field__error" role="alert" data-error-for={path}>
      {message}
    </p>
  ) : null;
}
