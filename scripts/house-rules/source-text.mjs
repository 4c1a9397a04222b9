// Splits a JavaScript/TypeScript (or C) source into its code and its comments, so that a rule about
// comments reads only comments and a rule about code never matches inside a string or a comment.
// A small lexer: strings, template literals (with ${…} read as code), regular-expression literals
// (JS only, recognised by the token before the slash) and both comment forms.

const REGEX_AFTER = new Set([...'(,=:[!&|?{};+-*%<>~^', '']);
const REGEX_AFTER_WORDS = /\b(return|typeof|case|do|else|in|of|new|delete|void|throw|yield|await)$/;

/** The offset just past the quoted literal that opens at `i` (quote `q`); escapes honoured. */
function skipQuoted(text, i, q) {
  let j = i + 1;
  while (j < text.length && text[j] !== q && text[j] !== '\n') j += text[j] === '\\' ? 2 : 1;
  return Math.min(j + 1, text.length);
}

/** The offset just past the regular-expression literal opening at `i`, or -1 when it is not one. */
function skipRegex(text, i) {
  let inClass = false;
  for (let j = i + 1; j < text.length && text[j] !== '\n'; j++) {
    const c = text[j];
    if (c === '\\') j++;
    else if (c === '[') inClass = true;
    else if (c === ']') inClass = false;
    else if (c === '/' && !inClass) return j + 1 + /^[a-z]*/.exec(text.slice(j + 1))[0].length;
  }
  return -1;
}

/** Whether a slash at `i` opens a regular-expression literal (by the token before it). */
function opensRegex(text, i, last) {
  return (REGEX_AFTER.has(last) || REGEX_AFTER_WORDS.test(text.slice(Math.max(0, i - 8), i).trimEnd())) && skipRegex(text, i) > 0;
}

/** The end of a comment opening at `i` (`//` to the line's end, `/* … *\/` to its close). */
function commentEnd(text, i) {
  const close = text[i + 1] === '/' ? text.indexOf('\n', i) : text.indexOf('*/', i + 2);
  if (close < 0) return text.length;
  return text[i + 1] === '/' ? close : close + 2;
}

function lexer(text, js) {
  const code = text.split('');
  const comments = [];
  const blank = (from, to) => {
    for (let k = from; k < to; k++) if (code[k] !== '\n') code[k] = ' ';
  };
  let last = '';
  /** A comment, string, template or regex starting at `i`: blanks it and returns its end; else -1. */
  const literal = (i) => {
    const c = text[i];
    if (c === '/' && (text[i + 1] === '/' || text[i + 1] === '*')) {
      const end = commentEnd(text, i);
      let at = i;
      for (const part of text.slice(i, end).split('\n')) {
        comments.push({ offset: at, text: part });
        at += part.length + 1;
      }
      blank(i, end);
      return end;
    }
    let end = -1;
    if (c === '"' || c === "'") end = skipQuoted(text, i, c);
    else if (c === '`' && js) return templateFrom(i + 1);
    else if (c === '/' && js && opensRegex(text, i, last)) end = skipRegex(text, i);
    if (end > 0) blank(i + 1, end - 1);
    return end;
  };
  /** Lexes code from `i` until EOF or, inside a template's ${…}, its closing brace; returns where it stopped. */
  const codeFrom = (i, nested) => {
    let depth = 0;
    while (i < text.length) {
      const end = literal(i);
      if (end > 0) {
        if (!/^\/[/*]/.test(text.slice(i, i + 2))) last = text[i];
        i = end;
        continue;
      }
      const c = text[i];
      if (c === '{') depth++;
      if (c === '}' && nested && depth-- === 0) return i + 1;
      if (!/\s/.test(c)) last = c;
      i++;
    }
    return i;
  };
  /** Lexes a template literal's body from `i` (just past the backtick); returns the offset past its end. */
  const templateFrom = (i) => {
    while (i < text.length && text[i] !== '`') {
      if (text[i] === '$' && text[i + 1] === '{') {
        i = codeFrom(i + 2, true);
        continue;
      }
      const step = text[i] === '\\' ? 2 : 1;
      blank(i, i + step);
      i += step;
    }
    return i + 1;
  };
  codeFrom(0, false);
  return { code: code.join(''), comments };
}

/** The line (1-based) of each offset in `text`. */
export function lineOf(text) {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') starts.push(i + 1);
  return (offset) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
}

/**
 * The source's code (every comment and every string's contents blanked, offsets and lines kept) and
 * its comments, one entry per comment line with its line number. `js`: JavaScript/TypeScript syntax
 * (template and regular-expression literals); false for C.
 */
export function splitSource(text, js = true) {
  const { code, comments } = lexer(text, js);
  const at = lineOf(text);
  return { code, comments: comments.map((c) => ({ line: at(c.offset), text: c.text })) };
}
