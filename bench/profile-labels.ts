/** How the profile tools (profile-summary.ts, allocations.ts) name where a V8 profile node runs. */

/** A V8 profile node's call frame (CPU and sampling heap profiles alike). */
export interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

const ROOT = process.cwd();

/** The package (for node_modules), the source file (for flashcart), or the VM's own buckets. */
export function areaOf(url: string, functionName: string): string {
  if (!url) return functionName || '(native)';
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) return modules[1]!;
  if (url.startsWith('node:'))
    return `node:${
      url
        .slice(5)
        .replace(/^internal\//, '')
        .split('/')[0]
    }`;
  return url.replace(/^file:\/\//, '').replace(`${ROOT}/`, '');
}

/** A function and where it is: its package, or its flashcart file and line. */
export function labelOf({ functionName, url, lineNumber }: CallFrame): string {
  const where = url ? `${areaOf(url, functionName)}${url.includes('node_modules') ? '' : `:${lineNumber + 1}`}` : '';
  return `${functionName || '(anonymous)'}${where ? ` ${where}` : ''}`;
}
