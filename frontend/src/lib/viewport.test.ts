import { describe, expect, it } from 'vitest';
import { clampShift } from './viewport';

describe('clampShift', () => {
  it('leaves a box that is on screen where it is', () => {
    expect(clampShift({ left: 100, top: 50, right: 500, bottom: 400 }, 1440, 900)).toEqual({ x: 0, y: 0 });
  });

  it('pulls a box that spills off the left or right edge back on screen', () => {
    expect(clampShift({ left: -300, top: 50, right: 116, bottom: 400 }, 1440, 900)).toEqual({ x: 308, y: 0 });
    expect(clampShift({ left: 1200, top: 50, right: 1616, bottom: 400 }, 1440, 900)).toEqual({ x: -184, y: 0 });
  });

  it('lifts a box that runs off the bottom, but never past the top', () => {
    expect(clampShift({ left: 10, top: 600, right: 300, bottom: 1000 }, 1440, 900)).toEqual({ x: 0, y: -108 });
    expect(clampShift({ left: 10, top: 40, right: 300, bottom: 1400 }, 1440, 900)).toEqual({ x: 0, y: -32 });
  });
});
