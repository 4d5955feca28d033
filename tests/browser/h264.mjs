// Host-side H.264 helpers for browser tests: split an Annex B stream into access units and
// repackage them as scenehost's /pixels sends them (AVCC, 4-byte lengths, plus an avcC record).

// NAL unit types (ITU-T H.264 Table 7-1) that the helpers look at.
export const kNalSlice = 1;
export const kNalIdr = 5;
export const kNalSei = 6;
export const kNalSps = 7;
export const kNalPps = 8;
export const kNalAud = 9;

export const nal_type = (nal) => nal[0] & 0x1f;

// Returns the NAL units of an Annex B byte stream (start codes 00 00 01 or 00 00 00 01
// removed), as subarrays of `stream`. Throws if the stream does not start with a start code.
export function split_annexb(stream) {
    const starts = [];  // [offset of start code, offset of NAL payload]
    for (let i = 0; i + 2 < stream.length; ++i) {
        if (stream[i] === 0 && stream[i + 1] === 0 && stream[i + 2] === 1) {
            starts.push([i > 0 && stream[i - 1] === 0 ? i - 1 : i, i + 3]);
            i += 2;
        }
    }
    if (starts.length === 0 || starts[0][0] !== 0) throw new Error('not an Annex B stream: no start code at offset 0');
    return starts.map(([, payload], k) => stream.subarray(payload, k + 1 < starts.length ? starts[k + 1][0] : stream.length));
}

// Groups NAL units into access units (H.264 7.4.1.2.3): an AUD, SPS, PPS or SEI after a
// slice starts a new unit, and so does a slice whose first_mb_in_slice is 0 (its ue(v)
// is the single bit 1). Each unit is { nals, key } with key true when it holds an IDR slice.
export function access_units(nals) {
    const units = [];
    let current = null;
    let seen_slice = false;
    for (const nal of nals) {
        const type = nal_type(nal);
        const is_slice = type === kNalSlice || type === kNalIdr;
        const starts_unit = is_slice ? seen_slice && (nal[1] & 0x80) !== 0
                                     : seen_slice && [kNalAud, kNalSps, kNalPps, kNalSei].includes(type);
        if (!current || starts_unit) {
            current = { nals: [], key: false };
            units.push(current);
            seen_slice = false;
        }
        current.nals.push(nal);
        if (is_slice) seen_slice = true;
        if (type === kNalIdr) current.key = true;
    }
    return units;
}

// Annex B bytes of one access unit (4-byte start codes).
export function to_annexb(nals) {
    return concat(nals.flatMap((nal) => [Uint8Array.of(0, 0, 0, 1), nal]));
}

// AVCC bytes of one access unit: each NAL behind its 4-byte big-endian length.
export function to_avcc(nals) {
    return concat(nals.flatMap((nal) => [be32(nal.length), nal]));
}

// AVCDecoderConfigurationRecord (ISO/IEC 14496-15 5.3.3.1) for one SPS and one PPS, with
// lengthSizeMinusOne = 3. High profiles (100 and up) get the 4:2:0, 8-bit extension bytes,
// which is what x264 writes for the yuv420p streams these tests use.
export function avcc_record(sps, pps) {
    if (nal_type(sps) !== kNalSps) throw new Error(`avcc_record: first argument is NAL type ${nal_type(sps)}, not an SPS`);
    if (nal_type(pps) !== kNalPps) throw new Error(`avcc_record: second argument is NAL type ${nal_type(pps)}, not a PPS`);
    const [profile_idc, constraints, level_idc] = [sps[1], sps[2], sps[3]];
    const parts = [Uint8Array.of(1, profile_idc, constraints, level_idc, 0xfc | 3, 0xe0 | 1), be16(sps.length), sps,
                   Uint8Array.of(1), be16(pps.length), pps];
    if ([100, 110, 122, 244].includes(profile_idc)) parts.push(Uint8Array.of(0xfc | 1, 0xf8, 0xf8, 0));
    return concat(parts);
}

// The RFC 6381 codec string ("avc1.PPCCLL") of an SPS NAL or of an avcC record.
export function codec_string(sps_or_avcc) {
    const bytes = sps_or_avcc.subarray(1, 4);
    return 'avc1.' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0').toUpperCase()).join('');
}

function be32(n) { return Uint8Array.of(n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff); }
function be16(n) { return Uint8Array.of((n >>> 8) & 0xff, n & 0xff); }

function concat(parts) {
    const out = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
    let offset = 0;
    for (const p of parts) { out.set(p, offset); offset += p.length; }
    return out;
}
