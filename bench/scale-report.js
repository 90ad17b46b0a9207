// The scale bench's output, pure: the markdown table and the SVG plot of its results
// (`results[library][check][size]`: { wallMs, cases, status }), written by hand, no dependency.

/** One row per check, one column per size: seconds per case, then (cases, seconds in all). */
export function markdownTable({ sizes, checks, results, libraries }) {
  const cell = (r) => {
    if (!r) return '–';
    const perCase = r.cases > 0 ? `${(r.wallMs / 1000 / r.cases).toFixed(2)} s` : 'no case';
    const mark = r.status === 'pass' ? '' : ` **${r.status}**`;
    return `${perCase} (${r.cases}, ${(r.wallMs / 1000).toFixed(1)} s)${mark}`;
  };
  const lines = [`| check | library | ${sizes.map((s) => `${s} files`).join(' | ')} |`, `|---|---|${sizes.map(() => '---').join('|')}|`];
  for (const check of checks) {
    for (const library of libraries) {
      lines.push(`| ${check} | ${library} | ${sizes.map((s) => cell(results[library][check][s])).join(' | ')} |`);
    }
  }
  return lines.join('\n');
}

/**
 * The plot as SVG text: seconds per case against the set's size, both on log scales (a line of
 * slope 1 is a cost that grows as the set does), one colour per check, the baseline dashed.
 */
export function scalePlot({ sizes, checks, results, libraries }) {
  const W = 760, H = 460, left = 70, right = 170, top = 30, bottom = 55;
  const colours = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#17becf'];
  const points = [];
  for (const library of libraries) for (const check of checks) for (const size of sizes) {
    const r = results[library][check][size];
    if (r && r.cases > 0) points.push(r.wallMs / 1000 / r.cases);
  }
  const xs = [...sizes].sort((a, b) => a - b);
  const [xMin, xMax] = xs.length > 1 ? [xs[0], xs.at(-1)] : [xs[0] / 2, xs[0] * 2];
  const yMin = 10 ** Math.floor(Math.log10(Math.min(...points, 1)));
  const yMax = 10 ** Math.ceil(Math.log10(Math.max(...points, 1)));
  const x = (v) => left + ((Math.log(v) - Math.log(xMin)) / (Math.log(xMax) - Math.log(xMin))) * (W - left - right);
  const y = (v) => H - bottom - ((Math.log(v) - Math.log(yMin)) / (Math.log(yMax) - Math.log(yMin))) * (H - top - bottom);
  const esc = (t) => String(t).replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const out = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`, `<rect width="${W}" height="${H}" fill="white"/>`];
  for (let d = yMin; d <= yMax * 1.0001; d *= 10) {
    for (const m of [1, 2, 5]) {
      const v = d * m;
      if (v > yMax * 1.0001) break;
      out.push(`<line x1="${left}" x2="${W - right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="${m === 1 ? '#ccc' : '#eee'}"/>`);
      out.push(`<text x="${left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${+v.toPrecision(2)}</text>`);
    }
  }
  for (const size of xs) {
    out.push(`<line x1="${x(size).toFixed(1)}" x2="${x(size).toFixed(1)}" y1="${top}" y2="${H - bottom}" stroke="#eee"/>`);
    out.push(`<text x="${x(size).toFixed(1)}" y="${H - bottom + 16}" text-anchor="middle">${size}</text>`);
  }
  out.push(`<rect x="${left}" y="${top}" width="${W - left - right}" height="${H - top - bottom}" fill="none" stroke="#333"/>`);
  out.push(`<text x="${(left + W - right) / 2}" y="${H - 15}" text-anchor="middle">migrations in the set (log scale)</text>`);
  out.push(`<text transform="translate(18 ${(top + H - bottom) / 2}) rotate(-90)" text-anchor="middle">seconds per case (log scale)</text>`);
  out.push(`<text x="${left}" y="18">migtest scale bench: cost of a case against the size of the set${libraries.length > 1 ? ' (baseline dashed)' : ''}</text>`);
  checks.forEach((check, i) => {
    const colour = colours[i % colours.length];
    for (const library of libraries) {
      const pts = xs.map((s) => [s, results[library][check][s]]).filter(([, r]) => r && r.cases > 0).map(([s, r]) => [x(s), y(r.wallMs / 1000 / r.cases)]);
      if (pts.length === 0) continue;
      const dash = library === 'baseline' ? ' stroke-dasharray="6 4"' : '';
      out.push(`<polyline fill="none" stroke="${colour}" stroke-width="2"${dash} points="${pts.map(([a, b]) => `${a.toFixed(1)},${b.toFixed(1)}`).join(' ')}"/>`);
      for (const [a, b] of pts) out.push(`<circle cx="${a.toFixed(1)}" cy="${b.toFixed(1)}" r="3" fill="${colour}"/>`);
    }
    const ly = top + 10 + i * 20;
    out.push(`<line x1="${W - right + 12}" x2="${W - right + 40}" y1="${ly}" y2="${ly}" stroke="${colour}" stroke-width="2"/>`);
    out.push(`<text x="${W - right + 46}" y="${ly + 4}">${esc(check)}</text>`);
  });
  if (libraries.length > 1) {
    const ly = top + 10 + checks.length * 20;
    out.push(`<line x1="${W - right + 12}" x2="${W - right + 40}" y1="${ly}" y2="${ly}" stroke="#333" stroke-width="2" stroke-dasharray="6 4"/>`);
    out.push(`<text x="${W - right + 46}" y="${ly + 4}">baseline</text>`);
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
