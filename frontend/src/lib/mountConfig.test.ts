import { describe, expect, it } from 'vitest';
import { readMountConfig } from './mountConfig';

function datasetOf(html: string): DOMStringMap {
  const holder = document.createElement('div');
  holder.innerHTML = html;
  return (holder.firstElementChild as HTMLElement).dataset;
}

describe('readMountConfig', () => {
  it('reads the journey id, API base and edit right from data attributes', () => {
    const config = readMountConfig(
      datasetOf('<div id="root" data-journey-id="17" data-api-base="/api/v1/" data-can-edit="true"></div>'),
    );
    expect(config).toEqual({ journeyId: '17', apiBase: '/api/v1/', canEdit: true });
  });

  it('treats an empty journey id as none and adds the trailing slash', () => {
    const config = readMountConfig(datasetOf('<div data-journey-id="" data-api-base="/api" data-can-edit="false"></div>'));
    expect(config).toEqual({ journeyId: null, apiBase: '/api/', canEdit: false });
  });

  it('falls back to /api/ and read-only when nothing is given', () => {
    expect(readMountConfig(datasetOf('<div></div>'))).toEqual({ journeyId: null, apiBase: '/api/', canEdit: false });
  });
});
