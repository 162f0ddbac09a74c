import { describe, expect, it } from 'vitest';
import { html, SafeHtml } from './html.js';

describe('html', () => {
  it('escapes every interpolated string, attributes included', () => {
    const title = `<script>alert("x")</script> & 'quotes'`;
    expect(html`<p title="${title}">${title}</p>`.value).toBe(
      '<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quotes&#39;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quotes&#39;</p>',
    );
  });

  it('keeps nested html as it is and joins arrays', () => {
    const rows = ['<a>', 'b'].map((cell) => html`<td>${cell}</td>`);
    expect(html`<tr>${rows}</tr>`.value).toBe('<tr><td>&lt;a&gt;</td><td>b</td></tr>');
  });

  it('renders numbers, and nothing for null, undefined and false', () => {
    expect(html`${1}|${null}|${undefined}|${false}|${0}`.value).toBe('1||||0');
  });

  it('passes SafeHtml through unchanged', () => {
    expect(html`<div>${new SafeHtml('<b>trusted</b>')}</div>`.toString()).toBe('<div><b>trusted</b></div>');
  });
});
