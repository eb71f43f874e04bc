/**
 * `text` without a leading "HOST: " (a report line adds its own); the host
 * named inside the words ("sudo on w1: incorrect password") stays.
 */
export const withoutHost = (host: string, text: string): string =>
  text.startsWith(`${host}: `) ? text.slice(host.length + 2) : text;
