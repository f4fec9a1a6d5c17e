#!/usr/bin/env python3
"""Breakpad's minidump_dump as the reference for what symserver's POST
/minidump answers.

  mdref.py DUMP.txt                  minidump_dump's output -> JSON on stdout
  mdref.py DUMP.txt ANSWER.json ...  compare with the server's answers (pairs
                                     of files); exit 1 listing every difference

From minidump_dump's text this reads the system info (processor_architecture
and platform_id with the names Breakpad gives them) and every MDRawModule of
the module list: base_of_image, size_of_image and the derived (code_file),
(code_identifier), (debug_file), (debug_identifier).  minidump_dump does not
print the unloaded-module list, so the loaded modules are compared here and
the unloaded ones are left to the caller.

CPU names: the server uses minidump_stackwalk's names (MinidumpProcessor::
GetCPUInfo); minidump_dump prints MinidumpSystemInfo::GetCPU's, which call
AMD64 "x86-64" and leave MIPS (1) and MIPS64 (0x8004) unnamed.  Those three
are translated; every other name must be equal.
"""
import json
import re
import sys

CPU_DUMP_TO_PROCESSOR = {'x86-64': 'amd64'}
CPU_UNNAMED_BY_DUMP = {0x1: 'mips', 0x8004: 'mips64'}


def unquote(v):
    if len(v) < 2 or v[0] != '"' or v[-1] != '"':
        raise ValueError('not a quoted value: %r' % v)
    return v[1:-1]


def parse(text):
    out = {'os': None, 'platform_id': None, 'cpu': None, 'arch': None, 'modules': []}
    section = None
    mod = None
    for line in text.split('\n'):
        if line and not line.startswith(' '):
            section = line.strip()
            if section == 'MDRawModule':
                mod = {}
                out['modules'].append(mod)
            continue
        if ' = ' not in line:
            continue
        key, val = line.strip().split(' = ', 1)
        key = key.strip()
        if section == 'MDRawSystemInfo':
            m = re.match(r'^0x([0-9a-f]+) \((.*)\)$', val)
            if key == 'processor_architecture' and m:
                out['arch'], out['cpu'] = int(m.group(1), 16), m.group(2)
            elif key == 'platform_id' and m:
                out['platform_id'], out['os'] = int(m.group(1), 16), m.group(2)
        elif section == 'MDRawModule':
            if key == 'base_of_image':
                mod['base'] = int(val, 16)
            elif key == 'size_of_image':
                mod['size'] = int(val, 16)
            elif key in ('(code_file)', '(code_identifier)', '(debug_file)', '(debug_identifier)'):
                name = {'(code_file)': 'code_file', '(code_identifier)': 'code_id',
                        '(debug_file)': 'debug_file', '(debug_identifier)': 'debug_id'}[key]
                mod[name] = unquote(val)
    for i, m in enumerate(out['modules']):
        missing = {'base', 'size', 'code_file', 'code_id', 'debug_file', 'debug_id'} - set(m)
        if missing:
            raise ValueError('module %d: minidump_dump printed no %s' % (i, ', '.join(sorted(missing))))
    if out['arch'] is None or out['platform_id'] is None:
        raise ValueError('minidump_dump printed no system info')
    return out


def expected_cpu(ref):
    if ref['cpu']:
        return CPU_DUMP_TO_PROCESSOR.get(ref['cpu'], ref['cpu'])
    return CPU_UNNAMED_BY_DUMP.get(ref['arch'], '')


def compare(ref, ans):
    diffs = []
    if ans.get('os') != ref['os']:
        diffs.append('os: server %r, minidump_dump %r (platform_id 0x%x)'
                     % (ans.get('os'), ref['os'], ref['platform_id']))
    if ans.get('cpu') != expected_cpu(ref):
        diffs.append('cpu: server %r, minidump_dump %r (processor_architecture 0x%x)'
                     % (ans.get('cpu'), ref['cpu'], ref['arch']))
    loaded = [m for m in ans.get('modules', []) if not m.get('unloaded')]
    if len(loaded) != len(ref['modules']):
        diffs.append('%d loaded modules, minidump_dump lists %d' % (len(loaded), len(ref['modules'])))
    for i, (a, r) in enumerate(zip(loaded, ref['modules'])):
        got = dict(a, base=int(a['base_address'], 16))
        for k in ('base', 'size', 'code_file', 'code_id', 'debug_file', 'debug_id'):
            if got.get(k) != r[k]:
                diffs.append('module %d (%s) %s: server %r, minidump_dump %r'
                             % (i, r['code_file'], k, got.get(k), r[k]))
    return diffs


def load(path):
    with open(path, encoding='utf-8', errors='surrogateescape') as f:
        return parse(f.read())


def main():
    args = sys.argv[1:]
    if not args or (len(args) > 1 and len(args) % 2):
        sys.stderr.write('usage: mdref.py DUMP.txt [ANSWER.json [DUMP.txt ANSWER.json]...]\n')
        return 2
    if len(args) == 1:
        json.dump(load(args[0]), sys.stdout, indent=1)
        print()
        return 0
    bad = 0
    for txt, answer in zip(args[::2], args[1::2]):
        with open(answer) as f:
            diffs = compare(load(txt), json.load(f))
        for d in diffs:
            print('%s: %s' % (answer, d))
        bad += len(diffs)
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
