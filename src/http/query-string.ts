import { parse } from 'fast-querystring';

/**
 * A request's query string as Fastify's router parses it (the same parser), except that a parameter
 * with an empty value (`?category=&q=&page=`, what an HTML form with empty fields sends, and what
 * API.md's own `?category=&q=&page=&limit=` reads as) is a parameter not given: the list is then
 * unfiltered and on its defaults, as without it, rather than refused 400.
 */
export function parseQueryString(query: string): Record<string, unknown> {
  if (query.length === 0) return {};
  const parsed = parse(query);
  for (const name in parsed) if (parsed[name] === '') delete parsed[name];
  return parsed;
}
