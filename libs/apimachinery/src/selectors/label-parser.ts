/**
 * The label selector grammar of k8s.io/apimachinery/pkg/labels (Lexer + Parser), reproduced
 * token for token so that accepted inputs and error texts are the same as upstream's:
 *
 *   <selector>    ::= <requirement> | <requirement> "," <selector>
 *   <requirement> ::= [!] KEY [ ("in"|"notin") "(" VALUES ")" | ("="|"=="|"!="|">"|"<") VALUE ]
 */
import {
  BINARY_OPERATORS_TEXT,
  LabelRequirement,
  labelKeyError,
  newLabelRequirementChecked,
  SelectionOperator,
  SelectorSyntaxError,
} from './label-selector';
import { compareGoStrings } from './go-text';

const enum Tok {
  Error = 0,
  EndOfString,
  ClosedPar,
  Comma,
  DoesNotExist,
  DoubleEquals,
  Equals,
  GreaterThan,
  Identifier,
  In,
  LessThan,
  NotEquals,
  NotIn,
  OpenPar,
}

const literalTokens: ReadonlyMap<string, Tok> = new Map([
  [')', Tok.ClosedPar],
  [',', Tok.Comma],
  ['!', Tok.DoesNotExist],
  ['==', Tok.DoubleEquals],
  ['=', Tok.Equals],
  ['>', Tok.GreaterThan],
  ['in', Tok.In],
  ['<', Tok.LessThan],
  ['!=', Tok.NotEquals],
  ['notin', Tok.NotIn],
  ['(', Tok.OpenPar],
]);

interface Item {
  tok: Tok;
  lit: string;
}

/** End of input and a NUL character both read as Go's 0 byte. */
const isEnd = (ch: string): boolean => ch === '' || ch === '\0';
const isWhitespace = (ch: string): boolean => ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';
const isSpecialSymbol = (ch: string): boolean =>
  ch === '=' || ch === '!' || ch === '(' || ch === ')' || ch === ',' || ch === '>' || ch === '<';

class Lexer {
  private pos = 0;
  constructor(private readonly s: string) {}

  private read(): string {
    if (this.pos < this.s.length) return this.s[this.pos++];
    return '';
  }

  private unread(): void {
    this.pos--;
  }

  private scanIdOrKeyword(): Item {
    let buf = '';
    for (;;) {
      const ch = this.read();
      if (isEnd(ch)) break;
      if (isSpecialSymbol(ch) || isWhitespace(ch)) {
        this.unread();
        break;
      }
      buf += ch;
    }
    const tok = literalTokens.get(buf);
    return tok !== undefined ? { tok, lit: buf } : { tok: Tok.Identifier, lit: buf };
  }

  private scanSpecialSymbol(): Item {
    let last: Item | undefined;
    let buf = '';
    for (;;) {
      const ch = this.read();
      if (isEnd(ch)) break;
      if (isSpecialSymbol(ch)) {
        buf += ch;
        const tok = literalTokens.get(buf);
        if (tok !== undefined) {
          last = { tok, lit: buf };
        } else if (last) {
          this.unread();
          break;
        }
      } else {
        this.unread();
        break;
      }
    }
    return last ?? { tok: Tok.Error, lit: `error expected: keyword found '${buf}'` };
  }

  lex(): Item {
    let ch = this.read();
    while (isWhitespace(ch)) ch = this.read();
    if (isEnd(ch)) return { tok: Tok.EndOfString, lit: '' };
    this.unread();
    return isSpecialSymbol(ch) ? this.scanSpecialSymbol() : this.scanIdOrKeyword();
  }
}

const enum Ctx {
  KeyAndOperator,
  Values,
}

class Parser {
  private readonly items: Item[] = [];
  private position = 0;

  constructor(
    input: string,
    /** field path given to labels.Parse (undefined = nil). */
    private readonly path: string | undefined,
  ) {
    const lexer = new Lexer(input);
    for (;;) {
      const item = lexer.lex();
      this.items.push(item);
      if (item.tok === Tok.EndOfString) break;
    }
  }

  private lookahead(ctx: Ctx): Item {
    return this.adjust(this.items[this.position], ctx);
  }

  private consume(ctx: Ctx): Item {
    return this.adjust(this.items[this.position++], ctx);
  }

  /** In a values context the keywords "in"/"notin" are plain identifiers. */
  private adjust(item: Item, ctx: Ctx): Item {
    if (ctx === Ctx.Values && (item.tok === Tok.In || item.tok === Tok.NotIn)) return { tok: Tok.Identifier, lit: item.lit };
    return item;
  }

  parse(): LabelRequirement[] {
    const reqs: LabelRequirement[] = [];
    for (;;) {
      const { tok, lit } = this.lookahead(Ctx.Values);
      switch (tok) {
        case Tok.Identifier:
        case Tok.DoesNotExist: {
          let r: LabelRequirement;
          try {
            r = this.parseRequirement();
          } catch (e) {
            if (e instanceof SelectorSyntaxError) throw new SelectorSyntaxError(`unable to parse requirement: ${e.message}`);
            throw e;
          }
          reqs.push(r);
          const next = this.consume(Ctx.Values);
          switch (next.tok) {
            case Tok.EndOfString:
              return reqs;
            case Tok.Comma: {
              const after = this.lookahead(Ctx.Values);
              if (after.tok !== Tok.Identifier && after.tok !== Tok.DoesNotExist) {
                throw new SelectorSyntaxError(`found '${after.lit}', expected: identifier after ','`);
              }
              break;
            }
            default:
              throw new SelectorSyntaxError(`found '${next.lit}', expected: ',' or 'end of string'`);
          }
          break;
        }
        case Tok.EndOfString:
          return reqs;
        default:
          throw new SelectorSyntaxError(`found '${lit}', expected: !, identifier, or 'end of string'`);
      }
    }
  }

  private parseRequirement(): LabelRequirement {
    const [key, inferred] = this.parseKeyAndInferOperator();
    if (inferred === 'exists' || inferred === '!') return this.build(key, inferred, []);
    const operator = this.parseOperator();
    const values = operator === 'in' || operator === 'notin' ? this.parseValues() : this.parseExactValue();
    return this.build(key, operator, values);
  }

  private build(key: string, operator: SelectionOperator, values: Set<string> | string[]): LabelRequirement {
    const list = [...values].sort(compareGoStrings);
    const { requirement, error } = newLabelRequirementChecked(key, operator, list, this.path);
    if (error !== undefined) throw new SelectorSyntaxError(error);
    return requirement;
  }

  private parseKeyAndInferOperator(): [string, SelectionOperator | undefined] {
    let operator: SelectionOperator | undefined;
    let { tok, lit } = this.consume(Ctx.Values);
    if (tok === Tok.DoesNotExist) {
      operator = '!';
      ({ tok, lit } = this.consume(Ctx.Values));
    }
    if (tok !== Tok.Identifier) throw new SelectorSyntaxError(`found '${lit}', expected: identifier`);
    const keyErr = labelKeyError(lit, this.path ?? '<nil>');
    if (keyErr) throw new SelectorSyntaxError(keyErr);
    const next = this.lookahead(Ctx.Values).tok;
    if ((next === Tok.EndOfString || next === Tok.Comma) && operator !== '!') operator = 'exists';
    return [lit, operator];
  }

  private parseOperator(): SelectionOperator {
    const { tok, lit } = this.consume(Ctx.KeyAndOperator);
    switch (tok) {
      case Tok.In:
        return 'in';
      case Tok.Equals:
        return '=';
      case Tok.DoubleEquals:
        return '==';
      case Tok.GreaterThan:
        return 'gt';
      case Tok.LessThan:
        return 'lt';
      case Tok.NotIn:
        return 'notin';
      case Tok.NotEquals:
        return '!=';
      default:
        throw new SelectorSyntaxError(`found '${lit}', expected: ${BINARY_OPERATORS_TEXT}`);
    }
  }

  private parseValues(): Set<string> {
    const open = this.consume(Ctx.Values);
    if (open.tok !== Tok.OpenPar) throw new SelectorSyntaxError(`found '${open.lit}' expected: '('`);
    const { tok, lit } = this.lookahead(Ctx.Values);
    switch (tok) {
      case Tok.Identifier:
      case Tok.Comma: {
        const s = this.parseIdentifiersList();
        if (this.consume(Ctx.Values).tok !== Tok.ClosedPar) throw new SelectorSyntaxError(`found '${lit}', expected: ')'`);
        return s;
      }
      case Tok.ClosedPar:
        this.consume(Ctx.Values);
        return new Set(['']);
      default:
        throw new SelectorSyntaxError(`found '${lit}', expected: ',', ')' or identifier`);
    }
  }

  private parseIdentifiersList(): Set<string> {
    const s = new Set<string>();
    for (;;) {
      const { tok, lit } = this.consume(Ctx.Values);
      switch (tok) {
        case Tok.Identifier: {
          s.add(lit);
          const next = this.lookahead(Ctx.Values);
          if (next.tok === Tok.Comma) continue;
          if (next.tok === Tok.ClosedPar) return s;
          throw new SelectorSyntaxError(`found '${next.lit}', expected: ',' or ')'`);
        }
        case Tok.Comma: {
          if (s.size === 0) s.add('');
          const next = this.lookahead(Ctx.Values).tok;
          if (next === Tok.ClosedPar) {
            s.add('');
            return s;
          }
          if (next === Tok.Comma) {
            this.consume(Ctx.Values);
            s.add('');
          }
          break;
        }
        default:
          throw new SelectorSyntaxError(`found '${lit}', expected: ',', or identifier`);
      }
    }
  }

  private parseExactValue(): Set<string> {
    const ahead = this.lookahead(Ctx.Values).tok;
    if (ahead === Tok.EndOfString || ahead === Tok.Comma) return new Set(['']);
    const { tok, lit } = this.consume(Ctx.Values);
    if (tok === Tok.Identifier) return new Set([lit]);
    throw new SelectorSyntaxError(`found '${lit}', expected: identifier`);
  }
}

/**
 * labels.ParseToRequirements: the requirements of `selector`, sorted by key.
 * Throws SelectorSyntaxError carrying upstream's message.
 * `path` is the optional field path (field.WithPath) used in validation messages.
 */
export function parseLabelRequirements(selector: string, path?: string): LabelRequirement[] {
  const reqs = new Parser(selector, path).parse();
  return reqs.sort((a, b) => compareGoStrings(a.key, b.key));
}
