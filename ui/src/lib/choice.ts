/** Reading a `<select>`'s value back as one of the typed choices it was drawn from. */

/** `value` if it is one of `choices`, else `null`. */
export function oneOf<T extends string>(choices: readonly T[], value: string): T | null {
  return choices.find((c) => c === value) ?? null;
}
