import { readFileSync } from 'node:fs';
import { ErrConfig } from '../../src/errors.js';
import { filterByPatterns, fnmatch, matchesPatterns, parsePatterns, translate } from '../../src/transfer/fnmatch.js';

interface CaseFile {
  python: string;
  cases: [name: string, pattern: string, expected: boolean][];
}

const table = JSON.parse(
  readFileSync(new URL('../fixtures/fnmatch-cases.json', import.meta.url), 'utf8'),
) as CaseFile;

describe('fnmatch', () => {
  test('fnmatch | agrees with Python fnmatch.fnmatchcase on every generated case', () => {
    expect(table.cases.length).toBeGreaterThanOrEqual(300);
    const wrong = table.cases
      .filter(([name, pattern, expected]) => fnmatch(name, pattern) !== expected)
      .map(([name, pattern, expected]) => ({ name, pattern, expected }));
    expect(wrong).toEqual([]);
  });

  test('fnmatch | the table covers both outcomes and the KServe patterns', () => {
    const matches = table.cases.filter((c) => c[2]).length;
    expect(matches).toBeGreaterThan(100);
    expect(table.cases.length - matches).toBeGreaterThan(100);
    const patterns = new Set(table.cases.map((c) => c[1]));
    for (const p of ['*.bin', '*.safetensors', 'tokenizer*', '[!abc]', '[a-c]', '[', 'a+b', '(x)', '{a}', '^a$', 'a|b']) {
      expect(patterns.has(p)).toBe(true);
    }
  });

  test('fnmatch | star crosses slashes and question mark is one code point', () => {
    expect(fnmatch('a/b/model.bin', '*.bin')).toBe(true);
    expect(fnmatch('😀', '?')).toBe(true);
    expect(fnmatch('😀😀', '?')).toBe(false);
    expect(fnmatch('Model.BIN', '*.bin')).toBe(false);
  });

  test('fnmatch | many stars against a long non-matching name finish (no exponential backtracking)', () => {
    const name = 'a'.repeat(5000);
    expect(fnmatch(name, `${'*a'.repeat(40)}*b`)).toBe(false);
    expect(fnmatch(`${name}b`, `${'*a'.repeat(40)}*b`)).toBe(true);
  });

  test('fnmatch | translate gives a RegExp anchored at both ends', () => {
    const re = translate('*.bin');
    expect(re.test('x.bin')).toBe(true);
    expect(re.test('x.bin.tmp')).toBe(false);
    expect(re.flags).toContain('s');
    expect(re.flags).toContain('u');
  });
});

describe('parsePatterns', () => {
  test('parsePatterns | unset or blank is undefined', () => {
    expect(parsePatterns(undefined)).toBeUndefined();
    expect(parsePatterns('')).toBeUndefined();
    expect(parsePatterns('   ')).toBeUndefined();
    expect(parsePatterns(' , ,')).toBeUndefined();
    expect(parsePatterns('[]')).toBeUndefined();
  });

  test('parsePatterns | a JSON array of strings', () => {
    expect(parsePatterns('["*.bin", "config.json"]')).toEqual(['*.bin', 'config.json']);
    expect(parsePatterns('  ["a,b"]  ')).toEqual(['a,b']);
  });

  test('parsePatterns | a comma list, trimmed, empties dropped', () => {
    expect(parsePatterns('*.bin, *.safetensors ,,tokenizer*')).toEqual(['*.bin', '*.safetensors', 'tokenizer*']);
    expect(parsePatterns('*.bin')).toEqual(['*.bin']);
  });

  test('parsePatterns | broken JSON array throws ErrConfig naming the problem', () => {
    expect(() => parsePatterns('["*.bin",')).toThrow(ErrConfig);
    expect(() => parsePatterns('["*.bin",')).toThrow(/JSON array/);
    expect(() => parsePatterns('[1, 2]')).toThrow(ErrConfig);
    expect(() => parsePatterns('[{"a":1}]')).toThrow(/array of strings/);
  });
});

describe('matchesPatterns', () => {
  const paths = ['model.bin', 'sub/model.bin', 'model.safetensors', 'tokenizer.json', 'README.md', '.gitattributes'];

  test('matchesPatterns | no lists keeps everything', () => {
    expect(filterByPatterns(paths)).toEqual(paths);
    expect(filterByPatterns(paths, [], [])).toEqual(paths);
  });

  test('matchesPatterns | allow keeps only matches, ignore drops matches', () => {
    expect(filterByPatterns(paths, ['*.bin', 'tokenizer*'])).toEqual(['model.bin', 'sub/model.bin', 'tokenizer.json']);
    expect(filterByPatterns(paths, undefined, ['*.md', '.git*'])).toEqual(
      ['model.bin', 'sub/model.bin', 'model.safetensors', 'tokenizer.json'],
    );
  });

  test('matchesPatterns | ignore wins over allow', () => {
    expect(matchesPatterns('sub/model.bin', ['*.bin'], ['sub/*'])).toBe(false);
    expect(matchesPatterns('model.bin', ['*.bin'], ['sub/*'])).toBe(true);
    expect(matchesPatterns('model.onnx', ['*.bin'], undefined)).toBe(false);
  });
});
