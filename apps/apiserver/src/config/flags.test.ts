import { describe, expect, it } from 'vitest';
import { flag, FlagError, formatUsage, HelpRequested, parseFlags } from './flags';
import { flagTypes, parsePortRange, readCsvRecord } from './flag-types';

const specs = {
  port: flag({ name: 'secure-port', type: flagTypes.int, default: 6443, usage: 'The port.' }),
  name: flag({ name: 'name', type: flagTypes.string, default: 'x', usage: 'A name.' }),
  on: flag({ name: 'anonymous-auth', type: flagTypes.bool, default: true, usage: 'Anon.' }),
  debug: flag({ name: 'debug', shorthand: 'd', type: flagTypes.bool, default: false, usage: 'Debug.' }),
  list: flag({ name: 'etcd-servers', type: flagTypes.stringSlice, default: ['http://default:2379'], usage: 'Servers.' }),
  timeout: flag({ name: 'request-timeout', type: flagTypes.duration, default: 60_000, usage: 'Timeout.' }),
  level: flag({ name: 'v', shorthand: 'v', type: flagTypes.level, default: 0, usage: 'Verbosity.' }),
  addr: flag({ name: 'bind-address', type: flagTypes.ip, default: '0.0.0.0', usage: 'Bind.' }),
};
const parse = (argv: string[]) => parseFlags(specs, argv, { command: 'kubernest server' });
const errorOf = (argv: string[]) => {
  try {
    parse(argv);
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
};

describe('parseFlags syntax', () => {
  it('applies defaults', () => {
    const { values, changed } = parse([]);
    expect(values).toEqual({ port: 6443, name: 'x', on: true, debug: false, list: ['http://default:2379'], timeout: 60_000, level: 0, addr: '0.0.0.0' });
    expect(changed.size).toBe(0);
  });

  it('accepts --flag=value and --flag value', () => {
    const { values, changed } = parse(['--secure-port=7443', '--name', 'y', '--request-timeout', '30s']);
    expect(values.port).toBe(7443);
    expect(values.name).toBe('y');
    expect(values.timeout).toBe(30_000);
    expect([...changed].sort()).toEqual(['name', 'port', 'timeout']);
  });

  it('handles booleans like pflag', () => {
    expect(parse(['--anonymous-auth=false']).values.on).toBe(false);
    expect(parse(['--anonymous-auth=false', '--anonymous-auth']).values.on).toBe(true);
    expect(parse(['-d']).values.debug).toBe(true);
    // a bool does not consume the next argument, which then is a (rejected) positional argument
    expect((errorOf(['--anonymous-auth', 'false']) as Error).message).toBe('"kubernest server" does not take any arguments, got ["false"]');
  });

  it('handles shorthands', () => {
    expect(parse(['-v', '4']).values.level).toBe(4);
    expect(parse(['-v=5']).values.level).toBe(5);
    expect(parse(['-v6']).values.level).toBe(6);
    expect(parse(['--v=2']).values.level).toBe(2);
    expect(parse(['-dv', '3']).values).toMatchObject({ debug: true, level: 3 });
  });

  it('string slices replace the default, then append', () => {
    expect(parse(['--etcd-servers=http://a:1,http://b:2']).values.list).toEqual(['http://a:1', 'http://b:2']);
    expect(parse(['--etcd-servers', 'http://a:1', '--etcd-servers=http://c:3']).values.list).toEqual(['http://a:1', 'http://c:3']);
    expect(parse(['--etcd-servers=']).values.list).toEqual([]);
  });

  it('treats _ like - in names, and -- as the end of flags', () => {
    expect(parse(['--secure_port=1']).values.port).toBe(1);
    expect(parseFlags(specs, ['--', '--name'], { command: 'c', allowPositional: true }).args).toEqual(['--name']);
  });

  it('lets callers replace defaults', () => {
    const { values } = parseFlags(specs, [], { command: 'c', defaults: { port: 1, list: ['http://other:2379'] } });
    expect(values.port).toBe(1);
    expect(values.list).toEqual(['http://other:2379']);
  });
});

describe('parseFlags errors (pflag texts)', () => {
  it.each([
    [['--foo'], 'unknown flag: --foo'],
    [['--foo=bar'], 'unknown flag: --foo'],
    [['-x'], "unknown shorthand flag: 'x' in -x"],
    [['--secure-port=abc'], 'invalid argument "abc" for "--secure-port" flag: strconv.ParseInt: parsing "abc": invalid syntax'],
    [['--secure-port', 'abc'], 'invalid argument "abc" for "--secure-port" flag: strconv.ParseInt: parsing "abc": invalid syntax'],
    [['--anonymous-auth=maybe'], 'invalid argument "maybe" for "--anonymous-auth" flag: strconv.ParseBool: parsing "maybe": invalid syntax'],
    [['--request-timeout=5'], 'invalid argument "5" for "--request-timeout" flag: time: missing unit in duration "5"'],
    [['-v', 'x'], 'invalid argument "x" for "-v, --v" flag: strconv.ParseInt: parsing "x": invalid syntax'],
    [['--bind-address=nope'], 'invalid argument "nope" for "--bind-address" flag: failed to parse IP: "nope"'],
    [['--secure-port'], 'flag needs an argument: --secure-port'],
    [['-v'], "flag needs an argument: 'v' in -v"],
    [['extra', 'args'], '"kubernest server" does not take any arguments, got ["extra" "args"]'],
  ])('%j', (argv, message) => {
    const err = errorOf(argv);
    expect(err).toBeInstanceOf(FlagError);
    expect((err as Error).message).toBe(message);
  });

  it('--help and -h throw HelpRequested with usage', () => {
    for (const argv of [['--help'], ['-h'], ['--secure-port=1', '-h']]) {
      const err = errorOf(argv);
      expect(err).toBeInstanceOf(HelpRequested);
      expect(err).not.toBeInstanceOf(FlagError);
      expect((err as HelpRequested).usage).toContain('--secure-port int');
    }
  });

  it('runs per-flag validation on the final value', () => {
    const s = { n: flag({ name: 'n', type: flagTypes.int, default: 1, usage: '', validate: (v: number) => (v < 0 ? '--n can not be negative value' : undefined) }) };
    expect(() => parseFlags(s, ['--n=-1'], { command: 'c' })).toThrow('--n can not be negative value');
  });
});

describe('formatUsage', () => {
  it('lists flags sorted, pflag style, with non-zero defaults', () => {
    const text = formatUsage(specs, { command: 'kubernest server' });
    const lines = text.split('\n');
    expect(lines[0]).toBe('Usage:');
    expect(text).toMatch(/^ {6}--secure-port int +The port\. \(default 6443\)$/m);
    expect(text).toMatch(/^ {6}--name string +A name\. \(default "x"\)$/m);
    expect(text).toMatch(/^ {6}--request-timeout duration +Timeout\. \(default 1m0s\)$/m);
    expect(text).toMatch(/^ {2}-v, --v Level +Verbosity\.$/m);
    expect(text).toMatch(/^ {2}-h, --help +help for server$/m);
    expect(text).toMatch(/^ {6}--etcd-servers strings +Servers\. \(default \[http:\/\/default:2379\]\)$/m);
    const names = lines.filter((l) => l.includes('--')).map((l) => /--([a-z-]+)/.exec(l)?.[1]);
    expect(names).toEqual([...names].sort());
  });
});

describe('value types', () => {
  it('port ranges as utilnet.PortRange', () => {
    expect(parsePortRange('30000-32767')).toEqual({ base: 30000, size: 2768 });
    expect(parsePortRange('30000+10')).toEqual({ base: 30000, size: 11 });
    expect(parsePortRange('8080')).toEqual({ base: 8080, size: 1 });
    expect(() => parsePortRange('1-2+3')).toThrow('unable to parse port range: 1-2+3');
    expect(() => parsePortRange('10-5')).toThrow('end port cannot be less than start port: 10-5');
    expect(() => parsePortRange('1-70000')).toThrow('the port range cannot be greater than 65535: 1-70000');
    expect(() => parsePortRange('a-b')).toThrow('strconv.Atoi: parsing "a": invalid syntax');
  });

  it('CSV records as pflag string slices', () => {
    expect(readCsvRecord('a,b,,c')).toEqual(['a', 'b', '', 'c']);
    expect(readCsvRecord('"a,b",c')).toEqual(['a,b', 'c']);
    expect(readCsvRecord('"say ""hi"""')).toEqual(['say "hi"']);
    expect(() => readCsvRecord('a"b')).toThrow('bare " in non-quoted-field');
  });
});
