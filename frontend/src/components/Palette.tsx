import { useReactFlow } from '@xyflow/react';
import { useMemo, useState } from 'react';
import { groupByCategory } from '../lib/catalog';
import { useReadOnly } from '../hooks/useReadOnly';
import { useGraphStore } from '../store/graphStore';

/** The drag payload type: the kind being dragged from the palette onto the canvas. */
export const PALETTE_MIME = 'application/x-cjo-node-kind';

/** Node kinds grouped by category, straight from the catalog; drag one onto the canvas, or click it. */
export function Palette() {
  const catalog = useGraphStore((s) => s.catalog);
  const readOnly = useReadOnly();
  const [filter, setFilter] = useState('');
  const flow = useReactFlow();
  const groups = useMemo(() => {
    const needle = filter.trim().toLowerCase();
    const kinds = Object.values(catalog).filter(
      (k) => !needle || k.label.toLowerCase().includes(needle) || k.description.toLowerCase().includes(needle),
    );
    return groupByCategory(kinds);
  }, [catalog, filter]);

  if (readOnly) return null;

  const addAtCentre = (kind: string) => {
    const canvas = document.querySelector('.journey-canvas')?.getBoundingClientRect();
    const centre = canvas
      ? flow.screenToFlowPosition({ x: canvas.left + canvas.width / 2, y: canvas.top + canvas.height / 2 })
      : { x: 0, y: 0 };
    useGraphStore.getState().addNodeOfKind(kind, { x: centre.x - 110, y: centre.y - 40 });
  };

  return (
    <aside className="palette" aria-label="Node palette">
      <input
        className="palette__filter"
        type="search"
        placeholder="Find a step…"
        value={filter}
        onChange={(e) => setFilter(e.target.value)}
        aria-label="Find a step"
      />
      {groups.map((group) => (
        <section key={group.category} className="palette__group">
          <h2 className="palette__category">{group.category}</h2>
          {group.kinds.map((kind) => (
            <button
              type="button"
              key={kind.kind}
              className={`palette__item palette__item--${group.category}`}
              draggable
              data-kind={kind.kind}
              title={`${kind.description}\nDrag onto the canvas, or click to add in the middle.`}
              onDragStart={(event) => {
                event.dataTransfer.setData(PALETTE_MIME, kind.kind);
                event.dataTransfer.effectAllowed = 'copy';
              }}
              onClick={() => addAtCentre(kind.kind)}
            >
              {kind.label}
            </button>
          ))}
        </section>
      ))}
    </aside>
  );
}
