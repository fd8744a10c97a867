import { describe, expect, it } from 'vitest';
import { noteVoucher, VOUCHERS_KEPT_MAX, vouchedFor } from './hearsay.js';
import { Member } from './member.js';

describe('hearsay: relays that vouched for a member (decision 0028)', () => {
  it('remembers a relay that vouched at the incarnation held, and forgets it once the member refutes', () => {
    const m = new Member('p0', 0);
    expect(vouchedFor(m, 'r1')).toBe(false);
    noteVoucher(m, 'r1');
    expect(vouchedFor(m, 'r1')).toBe(true);
    expect(vouchedFor(m, 'r2')).toBe(false);
    m.incarnation = 1; // a first-hand sign of life: its refutation
    expect(vouchedFor(m, 'r1')).toBe(false);
    noteVoucher(m, 'r2');
    expect(vouchedFor(m, 'r2')).toBe(true);
    expect(vouchedFor(m, 'r1')).toBe(false);
  });

  it(`keeps at most ${VOUCHERS_KEPT_MAX} relays per member, and per member only`, () => {
    const m = new Member('p0', 0);
    const other = new Member('p1', 0);
    for (let i = 0; i < VOUCHERS_KEPT_MAX + 2; i++) noteVoucher(m, `r${i}`);
    expect(vouchedFor(m, `r${VOUCHERS_KEPT_MAX - 1}`)).toBe(true);
    expect(vouchedFor(m, `r${VOUCHERS_KEPT_MAX}`)).toBe(false);
    expect(vouchedFor(other, 'r0')).toBe(false);
  });
});
