/** Catalog entries for tests: a plain one-port kind with the fields a test names overridden. */
import type { NodeKind } from '../api/types';

export function nodeKind(partial: Partial<NodeKind> & Pick<NodeKind, 'kind' | 'category'>): NodeKind {
  return {
    label: partial.kind,
    description: '',
    ports: ['next'],
    dynamic_ports: false,
    port_field: null,
    extra_ports: [],
    ports_when: {},
    waits: false,
    config: [],
    ...partial,
  };
}
