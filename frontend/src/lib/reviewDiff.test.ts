import { describe, expect, it } from 'vitest';
import type { GraphDiff } from '../api/governanceApi';
import { describeChange, diffClass, diffHeading, diffMarks, hasChanges, stepName } from './reviewDiff';

const DIFF: GraphDiff = {
  nodes: { added: ['sms'], removed: ['old'], changed: [{ id: 'email', fields: ['config.subject'] }], moved: ['wait'] },
  edges: { added: ['email-next-sms'], removed: ['email-next-old'], changed: [] },
  settings: [],
};

describe('diffMarks', () => {
  it('marks added, changed and moved nodes and lists the removed ones', () => {
    const marks = diffMarks(DIFF);
    expect(marks.nodes.get('sms')).toBe('added');
    expect(marks.nodes.get('email')).toBe('changed');
    expect(marks.nodes.get('wait')).toBe('moved');
    expect(marks.nodes.has('start')).toBe(false);
    expect(marks.edges.get('email-next-sms')).toBe('added');
    expect(marks.removedNodes).toEqual(['old']);
    expect(marks.removedEdges).toEqual(['email-next-old']);
  });

  it('marks nothing without a diff', () => {
    expect(diffMarks(null).nodes.size).toBe(0);
  });

  it('gives a class per mark', () => {
    expect(diffClass('added')).toBe('diff--added');
    expect(diffClass(undefined)).toBeUndefined();
  });

  it('does not count a move as a change', () => {
    const movedOnly: GraphDiff = {
      nodes: { added: [], removed: [], changed: [], moved: ['wait'] },
      edges: { added: [], removed: [], changed: [] },
      settings: [],
    };
    expect(hasChanges(movedOnly)).toBe(false);
    expect(hasChanges(DIFF)).toBe(true);
  });
});

describe('reading a diff aloud', () => {
  const named: GraphDiff = {
    ...DIFF,
    nodes: {
      ...DIFF.nodes,
      changed: [
        {
          id: 'wait',
          fields: ['config.seconds', 'label'],
          values: [
            { field: 'config.seconds', before: 600, after: 900 },
            { field: 'label', before: '', after: 'Ten minutes' },
          ],
        },
      ],
    },
    names: { wait: 'Ten minutes', sms: 'Reminder SMS' },
    live_version: 3,
  };

  it('names steps by their label and says each field from and to', () => {
    expect(stepName(named, 'sms')).toBe('“Reminder SMS”');
    expect(stepName(named, 'unnamed-id')).toBe('unnamed-id');
    expect(describeChange(named, named.nodes.changed[0]!)).toBe('“Ten minutes”: seconds 600 → 900; title (none) → Ten minutes');
  });

  it('says what it compares with', () => {
    expect(diffHeading(named)).toBe('Changes against the live version (v3)');
    expect(diffHeading({ ...named, live_version: null })).toBe('A new journey: everything in it is new');
  });
});
