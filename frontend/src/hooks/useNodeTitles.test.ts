import { describe, expect, it } from 'vitest';
import type { JourneyNode } from '../lib/journey';
import { titleKey } from '../store/titleStore';
import { untitled } from './useNodeTitles';

function node(id: string, kind: string, config: Record<string, unknown>): JourneyNode {
  return { id, type: 'journey', position: { x: 0, y: 0 }, data: { kind, label: id, config } };
}

describe('node titles', () => {
  it('asks only for configs without a title, once per distinct kind and config', () => {
    const wait = node('w', 'wait', { mode: 'duration', seconds: 60 });
    const same = node('w2', 'wait', { mode: 'duration', seconds: 60 });
    const edited = node('e', 'event_trigger', { event: 'Signed Up' });
    const known = { [titleKey(edited.data)]: 'When Signed Up' };

    const missing = untitled([wait, same, edited], known);

    expect([...missing.values()].map((n) => n.id)).toEqual(['w']);
  });

  it('keys a title by kind and config, so an edit asks again and an undo does not', () => {
    const before = titleKey({ kind: 'wait', config: { seconds: 60 } });
    const after = titleKey({ kind: 'wait', config: { seconds: 120 } });

    expect(after).not.toBe(before);
    expect(titleKey({ kind: 'wait', config: { seconds: 60 } })).toBe(before);
    expect(titleKey({ kind: 'exit', config: { seconds: 60 } })).not.toBe(before);
  });
});
