// The oversight page (docs/oversight.md, format lumbung-oversight/1).
//
// Opened from file:// with no network: the data arrive as scripts
// (data/summary.js at once, data/codes/XY.js and data/blocks/B.js on demand)
// and every check of a receipt code runs here, with WebCrypto: SHA-256 for
// the leaf, the block's Merkle tree and the inclusion proof, Ed25519 for the
// checkpoint's signature. The entry's FlatBuffer bytes are decoded by the
// small reader below, following schemas/entry.fbs and schemas/events.fbs.
'use strict';

(function () {
  // ---------------------------------------------------------------------
  // Strings. Indonesian first; English behind the switch.

  const STRINGS = {
    id: {
      title: 'Pengawasan bantuan sosial',
      subtitle: 'Data terbuka dari buku besar bantuan. Semua pemeriksaan berjalan di perangkat Anda, tanpa internet.',
      as_of: 'Keadaan per',
      entries_label: 'entri buku besar',
      lang_switch: 'English',
      nav_receipt: 'Cek tanda terima',
      nav_programs: 'Program',
      nav_checkpoint: 'Tanda tangan',
      nav_privacy: 'Privasi',
      receipt_heading: 'Cek kode tanda terima',
      receipt_help: 'Ketik kode pada tanda terima Anda, misalnya 7K3QD-9XW2B-F. Huruf kecil, spasi, atau tanpa tanda hubung tidak apa-apa.',
      receipt_label: 'Kode tanda terima',
      receipt_check: 'Periksa',
      checking: 'Sedang memeriksa…',
      verified_title: 'Terverifikasi',
      verified_text: 'Terverifikasi terhadap checkpoint berukuran {size} yang ditandatangani oleh {key}.',
      verified_note: 'Catatan ini ada di buku besar yang ditandatangani; isinya:',
      not_found_title: 'Tidak ditemukan',
      not_found_text: 'Kode {code} benar bentuknya, tetapi tidak ada dalam data ini (buku besar sampai entri ke-{size}, per {date}). Tanyakan ke petugas, atau periksa lagi kode Anda.',
      invalid_title: 'Kode tidak sah',
      invalid_check: 'Digit pemeriksa (huruf terakhir) tidak cocok: mungkin ada huruf yang salah ketik.',
      invalid_length: 'Kode terdiri dari 11 huruf atau angka (XXXXX-XXXXX-X).',
      invalid_chars: 'Kode hanya memakai angka 0–9 dan huruf A–Z kecuali U.',
      altered_title: 'Data ini telah diubah',
      altered_text: 'Pemeriksaan gagal: {check}. Jangan percayai data di halaman ini; mintalah salinan resmi.',
      error_title: 'Tidak dapat memeriksa',
      error_text: 'Peramban ini tidak mendukung pemeriksaan tanda tangan (WebCrypto Ed25519): {detail}. Coba peramban terbaru.',
      check_entry_missing: 'data entri untuk kode ini tidak ada di berkas blok',
      check_leaf_hash: 'isi entri tidak cocok dengan hash daun di blok',
      check_receipt_code: 'hash entri tidak menghasilkan kode tanda terima ini',
      check_block: 'berkas blok rusak atau hilang',
      check_block_proof: 'blok tidak terhubung ke akar (root) checkpoint',
      check_checkpoint_format: 'checkpoint tidak sah atau tidak sesuai ringkasan',
      check_checkpoint_signature: 'tanda tangan checkpoint tidak sah untuk kunci pemeriksa',
      check_verifier_key: 'kunci pemeriksa tidak sama dengan kunci di entri 0 buku besar',
      check_entry0: 'entri 0 (pembukaan buku besar) tidak dapat diverifikasi',
      check_entry_decode: 'isi entri tidak dapat dibaca',
      check_entry_content: 'isi entri berbeda dengan daftar kode ({field})',
      field_program: 'Program',
      field_cycle: 'Siklus',
      field_date: 'Tanggal',
      field_amount: 'Jumlah',
      field_area: 'Wilayah',
      field_channel: 'Cara penyaluran',
      field_status: 'Status',
      field_seq: 'Nomor entri',
      field_code: 'Kode',
      area_hidden_receipt: 'disembunyikan (wilayah kecil)',
      status_paid: 'dibayar',
      status_returned: 'dikembalikan (tidak sampai ke penerima)',
      status_reversed: 'dibatalkan atau dikoreksi',
      channel_CASH: 'tunai',
      channel_BANK: 'transfer bank',
      channel_POST: 'kantor pos',
      channel_IN_KIND: 'barang',
      overview_heading: 'Ringkasan',
      overview_disbursed: 'Tersalurkan ({unit})',
      overview_recipients: 'penerima (dihitung per program)',
      programs_heading: 'Program',
      kind_CASH_TRANSFER: 'Bantuan langsung tunai',
      kind_CONDITIONAL_CASH: 'Bantuan tunai bersyarat',
      kind_FOOD: 'Bantuan pangan',
      kind_MICRO_GRANT: 'Hibah usaha mikro',
      kind_ROTATING_CAPITAL: 'Modal bergulir kelompok',
      legal_basis: 'Dasar hukum',
      t_allocated: 'Anggaran diterima',
      t_funds_returned: 'Anggaran dikembalikan ke pemberi dana',
      t_disbursed: 'Tersalurkan',
      t_disbursements_returned: 'Penyaluran yang kembali (tidak sampai)',
      t_granted: 'Modal diberikan ke kelompok',
      t_remaining: 'Sisa anggaran',
      t_enrolled: 'Terdaftar',
      t_recipients: 'Penerima',
      people: 'orang',
      cycles_heading: 'Rencana dan realisasi per siklus',
      c_cycle: 'Siklus',
      c_status: 'Status',
      c_planned: 'Rencana',
      c_paid: 'Dibayar',
      c_returned: 'Kembali',
      c_progress: 'Realisasi',
      cycle_open: 'berjalan',
      cycle_closed: 'ditutup',
      payments: 'pembayaran',
      quarter: 'Triwulan {q} {y}',
      months_heading: 'Penyaluran per bulan',
      months_empty: 'Belum ada penyaluran.',
      cycles_empty: 'Program ini tidak memakai siklus penyaluran.',
      areas_empty: 'Tidak ada penyaluran kepada perorangan per wilayah (misalnya modal untuk kelompok).',
      areas_heading: 'Penyaluran per wilayah',
      areas_table: 'Tabel wilayah (kelurahan → RW → RT)',
      a_area: 'Wilayah',
      a_recipients: 'Penerima',
      a_paid_count: 'Pembayaran',
      a_paid_amount: 'Jumlah',
      hidden_areas: 'wilayah lain (disembunyikan)',
      hidden_count: '{n} wilayah',
      kelurahan: 'Kelurahan',
      rw: 'RW',
      rt: 'RT',
      checkpoint_heading: 'Tanda tangan buku besar (checkpoint)',
      checkpoint_help: 'Semua data di sini diambil dari buku besar sampai entri ke-{size}. Ringkasan akar Merkle buku besar itu ditandatangani dengan kunci berikut. Kode tanda terima diperiksa terhadap tanda tangan ini.',
      cp_origin: 'Asal (origin)',
      cp_size: 'Jumlah entri',
      cp_root: 'Akar (root)',
      cp_signer: 'Ditandatangani oleh',
      cp_key: 'Kunci pemeriksa',
      cp_status: 'Tanda tangan',
      cp_checking: 'sedang diperiksa…',
      cp_ok: 'sah (diperiksa di perangkat ini; kunci sama dengan entri 0)',
      cp_bad: 'TIDAK SAH: {check}',
      privacy_heading: 'Privasi: aturan sel kecil',
      privacy_text: 'Data ini tidak memuat nama, NIK, alamat, atau nomor telepon. Wilayah (kelurahan, RW atau RT) dengan kurang dari {k} penerima tidak ditampilkan sendiri: angkanya digabung ke baris “wilayah lain (disembunyikan)” pada tingkat di atasnya. Bila hanya sedikit yang tersembunyi, wilayah kecil lain ikut disembunyikan, supaya angka wilayah tersembunyi tidak bisa dihitung dari selisih. Total setiap program tetap ditampilkan utuh.',
      k_label: 'Batas k',
      downloads_heading: 'Unduh data',
      downloads_text: 'Tabel yang sama untuk spreadsheet (CSV), dan berkas tanda tangan:',
      footer: 'Halaman ini berjalan tanpa internet. Kode tanda terima diperiksa dengan SHA-256 dan Ed25519 di perangkat Anda; angka ringkasan dihitung oleh kantor dari buku besar yang sama.',
      no_data: 'Data ringkasan (data/summary.js) tidak dapat dimuat. Buka index.html dari folder ekspor yang lengkap.',
      compact_k: 'rb', compact_m: 'jt', compact_b: 'M', compact_t: 'T',
      months: ['Januari', 'Februari', 'Maret', 'April', 'Mei', 'Juni', 'Juli', 'Agustus', 'September', 'Oktober', 'November', 'Desember'],
      months_short: ['Jan', 'Feb', 'Mar', 'Apr', 'Mei', 'Jun', 'Jul', 'Agu', 'Sep', 'Okt', 'Nov', 'Des'],
    },
    en: {
      title: 'Social aid oversight',
      subtitle: 'Open data from the aid ledger. Every check runs on your device, with no internet.',
      as_of: 'As of',
      entries_label: 'ledger entries',
      lang_switch: 'Bahasa Indonesia',
      nav_receipt: 'Check a receipt',
      nav_programs: 'Programmes',
      nav_checkpoint: 'Signature',
      nav_privacy: 'Privacy',
      receipt_heading: 'Check a receipt code',
      receipt_help: 'Type the code on your receipt, e.g. 7K3QD-9XW2B-F. Lower case, spaces or missing hyphens are fine.',
      receipt_label: 'Receipt code',
      receipt_check: 'Check',
      checking: 'Checking…',
      verified_title: 'Verified',
      verified_text: 'Verified against checkpoint of size {size} signed by {key}.',
      verified_note: 'This record is in the signed ledger; it says:',
      not_found_title: 'Not found',
      not_found_text: 'The code {code} is well formed, but it is not in this data (the ledger up to entry {size}, as of {date}). Ask the office, or check your code again.',
      invalid_title: 'Invalid code',
      invalid_check: 'The check digit (the last character) does not match: a character may be mistyped.',
      invalid_length: 'A code has 11 letters or digits (XXXXX-XXXXX-X).',
      invalid_chars: 'A code uses only the digits 0–9 and the letters A–Z except U.',
      altered_title: 'This export was altered',
      altered_text: 'A check failed: {check}. Do not trust the data on this page; ask for an official copy.',
      error_title: 'Cannot check',
      error_text: 'This browser cannot check signatures (WebCrypto Ed25519): {detail}. Try a current browser.',
      check_entry_missing: 'the entry for this code is missing from its block file',
      check_leaf_hash: 'the entry bytes do not hash to the leaf in the block',
      check_receipt_code: 'the entry hash does not give this receipt code',
      check_block: 'a block file is damaged or missing',
      check_block_proof: 'the block does not lead to the checkpoint root',
      check_checkpoint_format: 'the checkpoint is malformed or does not match the summary',
      check_checkpoint_signature: 'the checkpoint signature does not verify under the verifier key',
      check_verifier_key: 'the verifier key is not the key in the ledger\'s entry 0',
      check_entry0: 'entry 0 (the ledger\'s opening) does not verify',
      check_entry_decode: 'the entry cannot be decoded',
      check_entry_content: 'the entry says something else than the code list ({field})',
      field_program: 'Programme',
      field_cycle: 'Cycle',
      field_date: 'Date',
      field_amount: 'Amount',
      field_area: 'Area',
      field_channel: 'Channel',
      field_status: 'Status',
      field_seq: 'Entry number',
      field_code: 'Code',
      area_hidden_receipt: 'hidden (small area)',
      status_paid: 'paid',
      status_returned: 'returned (did not reach the recipient)',
      status_reversed: 'reversed or corrected',
      channel_CASH: 'cash',
      channel_BANK: 'bank transfer',
      channel_POST: 'post office',
      channel_IN_KIND: 'in kind',
      overview_heading: 'Overview',
      overview_disbursed: 'Disbursed ({unit})',
      overview_recipients: 'recipients (counted per programme)',
      programs_heading: 'Programmes',
      kind_CASH_TRANSFER: 'Cash transfer',
      kind_CONDITIONAL_CASH: 'Conditional cash transfer',
      kind_FOOD: 'Food aid',
      kind_MICRO_GRANT: 'Micro-business grant',
      kind_ROTATING_CAPITAL: 'Rotating group capital',
      legal_basis: 'Legal basis',
      t_allocated: 'Allocated',
      t_funds_returned: 'Budget returned to funders',
      t_disbursed: 'Disbursed',
      t_disbursements_returned: 'Disbursements returned (not received)',
      t_granted: 'Capital granted to groups',
      t_remaining: 'Remaining budget',
      t_enrolled: 'Enrolled',
      t_recipients: 'Recipients',
      people: 'people',
      cycles_heading: 'Planned and paid per cycle',
      c_cycle: 'Cycle',
      c_status: 'Status',
      c_planned: 'Planned',
      c_paid: 'Paid',
      c_returned: 'Returned',
      c_progress: 'Paid of plan',
      cycle_open: 'open',
      cycle_closed: 'closed',
      payments: 'payments',
      quarter: 'Q{q} {y}',
      months_heading: 'Money paid per month',
      months_empty: 'Nothing paid yet.',
      cycles_empty: 'This programme has no disbursement cycles.',
      areas_empty: 'No payments to individuals by area (e.g. capital granted to groups).',
      areas_heading: 'Money by area',
      areas_table: 'Area table (kelurahan → RW → RT)',
      a_area: 'Area',
      a_recipients: 'Recipients',
      a_paid_count: 'Payments',
      a_paid_amount: 'Amount',
      hidden_areas: 'other areas (hidden)',
      hidden_count: '{n} areas',
      kelurahan: 'Kelurahan',
      rw: 'RW',
      rt: 'RT',
      checkpoint_heading: 'The ledger\'s signature (checkpoint)',
      checkpoint_help: 'Everything here comes from the ledger up to entry {size}. The Merkle root of that ledger is signed with the key below. Receipt codes are checked against this signature.',
      cp_origin: 'Origin',
      cp_size: 'Entries',
      cp_root: 'Root',
      cp_signer: 'Signed by',
      cp_key: 'Verifier key',
      cp_status: 'Signature',
      cp_checking: 'checking…',
      cp_ok: 'valid (checked on this device; the key is the one in entry 0)',
      cp_bad: 'NOT VALID: {check}',
      privacy_heading: 'Privacy: the small-cell rule',
      privacy_text: 'This data holds no name, national ID number, address or phone number. An area (kelurahan, RW or RT) with fewer than {k} recipients is not shown on its own: its figures are added to an “other areas (hidden)” row one level up. When few are hidden, other small areas are hidden too, so that no hidden area can be worked out by subtraction. Every programme\'s totals are shown in full.',
      k_label: 'Threshold k',
      downloads_heading: 'Download the data',
      downloads_text: 'The same tables for a spreadsheet (CSV), and the signature files:',
      footer: 'This page works without internet. Receipt codes are checked with SHA-256 and Ed25519 on your device; the summary figures were computed by the office from the same ledger.',
      no_data: 'The summary data (data/summary.js) could not be loaded. Open index.html from a complete export folder.',
      compact_k: 'k', compact_m: 'M', compact_b: 'B', compact_t: 'T',
      months: ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'],
      months_short: ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'],
    },
  };

  let lang = 'id';
  try {
    const saved = window.localStorage.getItem('lumbung-lang');
    if (saved === 'en' || saved === 'id') lang = saved;
  } catch (e) { /* storage may be off for file:// */ }

  function t(key, vars) {
    let s = STRINGS[lang][key];
    if (s === undefined) s = STRINGS.id[key];
    if (s === undefined) return key;
    if (vars) s = s.replace(/\{(\w+)\}/g, (m, name) => (name in vars ? String(vars[name]) : m));
    return s;
  }

  // ---------------------------------------------------------------------
  // Formatting.

  function groupDigits(n) {
    const neg = n < 0;
    const digits = String(Math.abs(Math.trunc(n)));
    let out = '';
    for (let i = 0; i < digits.length; ++i) {
      if (i > 0 && (digits.length - i) % 3 === 0) out += '.';
      out += digits[i];
    }
    return (neg ? '-' : '') + out;
  }

  // Rp 1.234.567 for rupiah; "9.442 PKG_SEMBAKO" for in-kind units.
  function money(n, unit) {
    if (unit === 'IDR') return (n < 0 ? '-Rp\u00a0' : 'Rp\u00a0') + groupDigits(Math.abs(n));
    return groupDigits(n) + '\u00a0' + unit;
  }

  // Short axis labels: Rp 1,2 M (miliar) / Rp 1.2B.
  function compact(n, unit) {
    const abs = Math.abs(n);
    const steps = [[1e12, 'compact_t'], [1e9, 'compact_b'], [1e6, 'compact_m'], [1e3, 'compact_k']];
    let text = groupDigits(n);
    for (const [size, key] of steps) {
      if (abs >= size) {
        let v = (n / size).toFixed(abs / size >= 10 ? 0 : 1).replace(/\.0$/, '');
        if (lang === 'id') v = v.replace('.', ',');
        text = v + ' ' + t(key);
        break;
      }
    }
    return unit === 'IDR' ? 'Rp ' + text : text;
  }

  function formatDate(iso) {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso || '');
    if (!m) return iso || '';
    return Number(m[3]) + ' ' + t('months')[Number(m[2]) - 1] + ' ' + m[1];
  }

  function formatCycle(cycle) {
    let m = /^(\d{4})-Q([1-4])$/.exec(cycle || '');
    if (m) return t('quarter', { q: m[2], y: m[1] });
    m = /^(\d{4})-(\d{2})$/.exec(cycle || '');
    if (m && Number(m[2]) >= 1 && Number(m[2]) <= 12) return t('months')[Number(m[2]) - 1] + ' ' + m[1];
    return cycle || '';
  }

  function areaLabel(code, level) {
    const parts = String(code).split('.');
    if (level === 'rw' && parts.length >= 5) return t('rw') + ' ' + parts[4];
    if (level === 'rt' && parts.length >= 6) return t('rt') + ' ' + parts[5];
    return t('kelurahan') + ' ' + code;
  }

  function receiptAreaLabel(code) {
    if (!code) return t('area_hidden_receipt');
    const parts = code.split('.');
    let label = t('kelurahan') + ' ' + parts.slice(0, 4).join('.');
    if (parts.length >= 5) label += ', ' + t('rw') + ' ' + parts[4];
    if (parts.length >= 6) label += ', ' + t('rt') + ' ' + parts[5];
    return label;
  }

  // ---------------------------------------------------------------------
  // DOM helpers.

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    if (attrs) {
      for (const [k, v] of Object.entries(attrs)) {
        if (v === undefined || v === null || v === false) continue;
        if (k === 'class') node.className = v;
        else if (k === 'text') node.textContent = v;
        else node.setAttribute(k, v === true ? '' : String(v));
      }
    }
    for (const c of children.flat(Infinity)) {
      if (c === null || c === undefined || c === false) continue;
      node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return node;
  }

  const SVG_NS = 'http://www.w3.org/2000/svg';
  function svg(tag, attrs, ...children) {
    const node = document.createElementNS(SVG_NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
    for (const c of children.flat(Infinity)) {
      if (c === null || c === undefined || c === false) continue;
      node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return node;
  }

  // ---------------------------------------------------------------------
  // Bytes, hashes and encodings.

  function utf8(text) { return new TextEncoder().encode(text); }

  function concatBytes(...parts) {
    let n = 0;
    for (const p of parts) n += p.length;
    const out = new Uint8Array(n);
    let at = 0;
    for (const p of parts) { out.set(p, at); at += p.length; }
    return out;
  }

  function equalBytes(a, b) {
    if (!a || !b || a.length !== b.length) return false;
    for (let i = 0; i < a.length; ++i) if (a[i] !== b[i]) return false;
    return true;
  }

  function toHex(bytes) {
    let s = '';
    for (const b of bytes) s += b.toString(16).padStart(2, '0');
    return s;
  }

  function fromHex(text) {
    if (typeof text !== 'string' || !/^([0-9a-fA-F]{2})*$/.test(text)) throw new Error('not hex');
    const out = new Uint8Array(text.length / 2);
    for (let i = 0; i < out.length; ++i) out[i] = parseInt(text.substr(2 * i, 2), 16);
    return out;
  }

  // Strict standard base64 (padding required, as C2SP and the export write it).
  function fromBase64(text) {
    if (typeof text !== 'string' || text.length % 4 !== 0 ||
        !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) {
      throw new Error('not base64');
    }
    const bin = atob(text);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; ++i) out[i] = bin.charCodeAt(i);
    return out;
  }

  async function sha256(bytes) {
    return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  }

  // RFC 6962: leaf = SHA-256(0x00 || entry), node = SHA-256(0x01 || left || right).
  function leafHash(entry) { return sha256(concatBytes(Uint8Array.of(0), entry)); }
  function nodeHash(left, right) { return sha256(concatBytes(Uint8Array.of(1), left, right)); }

  // MTH of a list of hashes (RFC 6962 §2.1): split at the largest power of
  // two below the count.
  async function merkleRoot(hashes) {
    if (hashes.length === 0) return sha256(new Uint8Array(0));
    if (hashes.length === 1) return hashes[0];
    let k = 1;
    while (k * 2 < hashes.length) k *= 2;
    const [left, right] = await Promise.all([merkleRoot(hashes.slice(0, k)), merkleRoot(hashes.slice(k))]);
    return nodeHash(left, right);
  }

  // RFC 9162 §2.1.3.2 (audit/src/merkle.cc VerifyInclusion): true iff
  // `proof` carries `leaf` at `index` of a tree of `size` to `root`.
  async function verifyInclusion(index, size, leaf, proof, root) {
    if (!(index >= 0 && index < size)) return false;
    let fn = index;
    let sn = size - 1;
    let r = leaf;
    for (const p of proof) {
      if (sn === 0) return false;  // too many hashes
      if (fn % 2 === 1 || fn === sn) {
        r = await nodeHash(p, r);
        while (fn !== 0 && fn % 2 === 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      } else {
        r = await nodeHash(r, p);
      }
      fn = Math.floor(fn / 2);
      sn = Math.floor(sn / 2);
    }
    return sn === 0 && equalBytes(r, root);
  }

  // ---------------------------------------------------------------------
  // Receipt codes (ledger/domain/receipt.cc): 10 Crockford base32 digits of
  // the leaf hash's first 50 bits, then a Luhn mod 32 check digit.

  const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  const RECEIPT_DIGITS = 10;

  function digitValue(c) {
    const u = c.toUpperCase();
    if (u === 'I' || u === 'L') return 1;
    if (u === 'O') return 0;
    return u.length === 1 ? ALPHABET.indexOf(u) : -1;
  }

  // Luhn mod 32 over the digits, most significant first; the factor is 2
  // on the last digit and alternates leftwards.
  function luhnCheck(digits) {
    let factor = 2;
    let sum = 0;
    for (let i = digits.length - 1; i >= 0; --i) {
      let addend = factor * digits[i];
      factor = factor === 2 ? 1 : 2;
      addend = Math.floor(addend / 32) + (addend % 32);
      sum += addend;
    }
    return (32 - (sum % 32)) % 32;
  }

  function formatCode(digits) {
    let out = '';
    for (let i = 0; i < RECEIPT_DIGITS; ++i) {
      if (i === 5) out += '-';
      out += ALPHABET[digits[i]];
    }
    return out + '-' + ALPHABET[luhnCheck(digits.slice(0, RECEIPT_DIGITS))];
  }

  // {ok: true, code} with the canonical XXXXX-XXXXX-C, or {ok: false, reason}.
  function normalizeCode(typed) {
    const digits = [];
    for (const c of String(typed)) {
      if (c === '-' || /\s/.test(c) || c === '\u2010' || c === '\u2013' || c === '\u2014') continue;
      const v = digitValue(c);
      if (v < 0) return { ok: false, reason: 'chars' };
      digits.push(v);
    }
    if (digits.length !== RECEIPT_DIGITS + 1) return { ok: false, reason: 'length' };
    if (luhnCheck(digits.slice(0, RECEIPT_DIGITS)) !== digits[RECEIPT_DIGITS]) {
      return { ok: false, reason: 'check' };
    }
    return { ok: true, code: formatCode(digits) };
  }

  function receiptCode(leaf) {
    let bits = 0n;
    for (let i = 0; i < 8; ++i) bits = (bits << 8n) | BigInt(leaf[i]);
    const digits = [];
    for (let i = 0; i < RECEIPT_DIGITS; ++i) {
      digits.push(Number((bits >> BigInt(64 - 5 * (i + 1))) & 31n));
    }
    return formatCode(digits);
  }

  // ---------------------------------------------------------------------
  // A small FlatBuffers reader: every offset is bounds-checked, so damaged
  // bytes throw instead of reading garbage.

  class FlatReader {
    constructor(bytes) {
      this.bytes = bytes;
      this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    }
    need(at, len) {
      if (!Number.isInteger(at) || at < 0 || len < 0 || at + len > this.bytes.length) {
        throw new Error('flatbuffer offset out of bounds');
      }
    }
    u8(at) { this.need(at, 1); return this.view.getUint8(at); }
    u16(at) { this.need(at, 2); return this.view.getUint16(at, true); }
    i32(at) { this.need(at, 4); return this.view.getInt32(at, true); }
    u32(at) { this.need(at, 4); return this.view.getUint32(at, true); }
    i64(at) {
      this.need(at, 8);
      const v = this.view.getBigInt64(at, true);
      if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) throw new Error('integer too large');
      return Number(v);
    }
    u64(at) {
      this.need(at, 8);
      const v = this.view.getBigUint64(at, true);
      if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error('integer too large');
      return Number(v);
    }
    // The root table's position (the buffer's first uoffset).
    root() { return this.u32(0); }
    identifier() { this.need(4, 4); return String.fromCharCode(...this.bytes.subarray(4, 8)); }
    // Position of field `id` in table `table`, or 0 if absent. Field N's
    // vtable slot is at 4 + 2 * N; a union takes two ids (type, value).
    field(table, id) {
      const vtable = table - this.i32(table);
      const vsize = this.u16(vtable);
      const tsize = this.u16(vtable + 2);
      if (vsize < 4 || vsize % 2 !== 0) throw new Error('bad vtable');
      this.need(table, tsize);
      const slot = 4 + 2 * id;
      if (slot + 2 > vsize) return 0;
      const off = this.u16(vtable + slot);
      if (off !== 0 && off >= tsize) throw new Error('field outside its table');
      return off === 0 ? 0 : table + off;
    }
    indirect(at) { return at + this.u32(at); }
    // The field's position, or 0 when it is absent (an error if required).
    present(table, id, what, required) {
      const at = this.field(table, id);
      if (at === 0 && required) throw new Error('missing required ' + what + ' field ' + id);
      return at;
    }
    scalar(table, id, kind, dflt) {
      const at = this.field(table, id);
      return at === 0 ? dflt : this[kind](at);
    }
    string(table, id, required) {
      const at = this.present(table, id, 'string', required);
      if (at === 0) return null;
      const s = this.indirect(at);
      const n = this.u32(s);
      this.need(s + 4, n + 1);  // FlatBuffers strings end in a zero byte
      return new TextDecoder('utf-8', { fatal: true }).decode(this.bytes.subarray(s + 4, s + 4 + n));
    }
    byteVector(table, id, required) {
      const at = this.present(table, id, 'vector', required);
      if (at === 0) return null;
      const v = this.indirect(at);
      const n = this.u32(v);
      this.need(v + 4, n);
      return this.bytes.subarray(v + 4, v + 4 + n);
    }
    structBytes(table, id, size, required) {
      const at = this.present(table, id, 'struct', required);
      if (at === 0) return null;
      this.need(at, size);
      return this.bytes.subarray(at, at + size);
    }
    table(table, id) {
      const at = this.field(table, id);
      return at === 0 ? 0 : this.indirect(at);
    }
  }

  // schemas/events.fbs, union Event: member N has type N (0 = NONE).
  const EVENT_TYPES = ['NONE', 'LedgerOpened', 'ProgramOpened', 'FundsAllocated', 'FundsReturned',
    'CycleOpened', 'CycleClosed', 'BeneficiaryEnrolled', 'BeneficiaryExited', 'AidDisbursed',
    'DisbursementReturned', 'GroupFormed', 'MemberJoined', 'MemberLeft', 'CapitalGranted',
    'LoanIssued', 'LoanRepaid', 'LoanRescheduled', 'LoanWrittenOff', 'EventCorrected',
    'PersonalDataErased'];
  const CHANNELS = ['UNSPECIFIED', 'CASH', 'BANK', 'POST', 'IN_KIND'];

  // One member of the Event union at (table, type id, value id).
  function decodeEventMember(r, table, typeId, valueId) {
    const type = EVENT_TYPES[r.scalar(table, typeId, 'u8', 0)] || 'UNKNOWN';
    const value = r.table(table, valueId);
    if (type === 'NONE') return null;
    if (value === 0) throw new Error('union value missing');
    const ev = { type };
    if (type === 'LedgerOpened') {
      // origin: 0, verifier_key: 1
      ev.origin = r.string(value, 0, true);
      ev.verifier_key = r.string(value, 1, true);
    } else if (type === 'AidDisbursed') {
      // program_id: 0, beneficiary_id: 1, cycle: 2, amount: 3, channel: 4,
      // batch_id: 5, provider_ref: 6
      ev.program_id = r.string(value, 0, true);
      ev.beneficiary_id = r.string(value, 1, true);
      ev.cycle = r.string(value, 2, true);
      ev.amount = r.scalar(value, 3, 'i64', 0);
      ev.channel = CHANNELS[r.scalar(value, 4, 'u8', 0)] || 'UNKNOWN';
    } else if (type === 'EventCorrected') {
      // target_seq: 0, reason: 1, replacement: 2 (type) and 3 (value)
      ev.target_seq = r.scalar(value, 0, 'u64', 0);
      ev.reason = r.string(value, 1, true);
      ev.replacement = decodeEventMember(r, value, 2, 3);
    }
    return ev;
  }

  // schemas/entry.fbs Entry {seq: 0, prev_hash: 1, recorded_at_ms: 2,
  // actor: 3, body: 4 (nested EventBody)}; EventBody {event_id: 0,
  // effective_date: 1, memo: 2, event: 3 (type) and 4 (value)}.
  function decodeEntry(bytes) {
    const r = new FlatReader(bytes);
    const root = r.root();
    if (r.identifier() !== 'LMBG') throw new Error('not a lumbung entry (file identifier)');
    const entry = {
      seq: r.scalar(root, 0, 'u64', 0),
      prev_hash: toHex(r.structBytes(root, 1, 32, true)),
      recorded_at_ms: r.scalar(root, 2, 'i64', 0),
      actor: r.string(root, 3, true),
    };
    const body = r.byteVector(root, 4, true);
    const b = new FlatReader(body);
    const broot = b.root();
    entry.event_id = b.string(broot, 0, true);
    entry.effective_date = b.string(broot, 1, true);
    entry.memo = b.string(broot, 2, false);
    entry.event = decodeEventMember(b, broot, 3, 4);
    if (!entry.event) throw new Error('entry without an event');
    return entry;
  }

  // ---------------------------------------------------------------------
  // Signed notes (c2sp.org/signed-note, audit/src/note.cc) and checkpoints.

  const SIG_PREFIX = '\u2014 ';

  async function keyId(name, material) {
    const h = await sha256(concatBytes(utf8(name + '\n'), material));
    return toHex(h.subarray(0, 4));
  }

  // "<name>+<hex8>+<base64(0x01 || 32-byte key)>".
  async function parseVerifierKey(text) {
    const s = String(text).trim();
    const a = s.indexOf('+');
    const b = a < 0 ? -1 : s.indexOf('+', a + 1);
    if (a <= 0 || b < 0) throw new Error('malformed verifier key');
    const name = s.slice(0, a);
    const hex = s.slice(a + 1, b).toLowerCase();
    const material = fromBase64(s.slice(b + 1));
    if (!/^[0-9a-f]{8}$/.test(hex)) throw new Error('key id is not 8 hex digits');
    if (/[\s+]/.test(name)) throw new Error('invalid key name');
    if (material.length !== 33 || material[0] !== 0x01) throw new Error('not an Ed25519 key');
    if ((await keyId(name, material)) !== hex) throw new Error('wrong key id');
    return { name, keyId: hex, publicKey: material.subarray(1), text: s };
  }

  // The text before the last blank line is signed; each line after it is
  // "— <name> <base64(key id[4] || signature)>".
  function parseNote(note) {
    if (typeof note !== 'string' || !note.endsWith('\n')) throw new Error('a note ends in a newline');
    const split = note.lastIndexOf('\n\n');
    if (split < 0) throw new Error('a note has a blank line before its signatures');
    const text = note.slice(0, split + 1);
    const lines = note.slice(split + 2, -1).split('\n');
    const signatures = [];
    for (const line of lines) {
      if (!line.startsWith(SIG_PREFIX)) throw new Error('malformed signature line');
      const rest = line.slice(SIG_PREFIX.length);
      const sp = rest.indexOf(' ');
      if (sp <= 0) throw new Error('malformed signature line');
      const bytes = fromBase64(rest.slice(sp + 1));
      if (bytes.length < 5) throw new Error('short signature');
      signatures.push({ name: rest.slice(0, sp), keyId: toHex(bytes.subarray(0, 4)), signature: bytes.subarray(4) });
    }
    return { text, signatures };
  }

  function parseCheckpoint(text) {
    const lines = text.split('\n');
    if (lines.length < 4 || lines[lines.length - 1] !== '') throw new Error('short checkpoint');
    const origin = lines[0];
    if (!origin) throw new Error('empty origin');
    if (!/^(0|[1-9][0-9]*)$/.test(lines[1])) throw new Error('bad size');
    const size = Number(lines[1]);
    if (!Number.isSafeInteger(size)) throw new Error('size too large');
    const root = fromBase64(lines[2]);
    if (root.length !== 32) throw new Error('root is not 32 bytes');
    return { origin, size, root };
  }

  class Failure extends Error {
    constructor(check, detail) {
      super(check + (detail ? ': ' + detail : ''));
      this.check = check;
      this.detail = detail || '';
      this.field = '';
    }
  }

  class Unsupported extends Error {}

  async function ed25519Verify(publicKey, signature, message) {
    let key;
    try {
      key = await crypto.subtle.importKey('raw', publicKey, { name: 'Ed25519' }, false, ['verify']);
    } catch (e) {
      if (e && (e.name === 'NotSupportedError' || e.name === 'TypeError')) throw new Unsupported(e.message || e.name);
      throw new Failure('verifier_key', e.message);
    }
    return crypto.subtle.verify({ name: 'Ed25519' }, key, signature, message);
  }

  // ---------------------------------------------------------------------
  // Loading data scripts on demand (file:// allows <script src>, not fetch).

  const codeFiles = new Map();   // prefix -> object
  const blockFiles = new Map();  // index -> object
  const loading = new Map();     // src -> Promise

  window.lumbungCodes = function (prefix, obj) { codeFiles.set(String(prefix), obj); };
  window.lumbungBlock = function (index, obj) { blockFiles.set(Number(index), obj); };

  function loadScript(src) {
    if (!loading.has(src)) {
      loading.set(src, new Promise((resolve) => {
        const s = document.createElement('script');
        s.src = src;
        s.async = true;
        s.onload = () => resolve(true);
        s.onerror = () => { loading.delete(src); s.remove(); resolve(false); };
        document.head.append(s);
      }));
    }
    return loading.get(src);
  }

  async function loadCodes(prefix) {
    if (!codeFiles.has(prefix)) await loadScript('data/codes/' + prefix + '.js');
    return codeFiles.get(prefix) || null;
  }

  async function loadBlock(index) {
    if (!blockFiles.has(index)) await loadScript('data/blocks/' + index + '.js');
    const block = blockFiles.get(index);
    if (!block) throw new Failure('block', 'data/blocks/' + index + '.js');
    return block;
  }

  // ---------------------------------------------------------------------
  // The checks (docs/oversight.md, "What the page checks for a receipt code").

  const S = window.LUMBUNG_SUMMARY;
  const blockChecks = new Map();  // index -> Promise of {leaves, first}

  // Check 3 for one block: its leaves' MTH, carried by its proof to the
  // checkpoint's root (the tree over ceil(N / block_size) blocks).
  function checkBlock(index, checkpoint) {
    if (!blockChecks.has(index)) {
      blockChecks.set(index, (async () => {
        const block = await loadBlock(index);
        const bs = S.block_size;
        const n = checkpoint.size;
        const first = index * bs;
        const count = Math.min(bs, n - first);
        if (block.first_seq !== first || !(count > 0)) throw new Failure('block', 'first_seq');
        let leavesBytes;
        let proof;
        try {
          leavesBytes = fromBase64(block.leaves);
          proof = (block.proof || []).map(fromHex);
        } catch (e) {
          throw new Failure('block', e.message);
        }
        if (leavesBytes.length !== 32 * count || proof.some((p) => p.length !== 32)) {
          throw new Failure('block', 'leaf count');
        }
        const leaves = [];
        for (let i = 0; i < count; ++i) leaves.push(leavesBytes.subarray(32 * i, 32 * i + 32));
        const subtree = await merkleRoot(leaves);
        const blocks = Math.ceil(n / bs);
        if (!(await verifyInclusion(index, blocks, subtree, proof, checkpoint.root))) {
          throw new Failure('block_proof', 'block ' + index);
        }
        return { block, leaves, first };
      })());
      blockChecks.get(index).catch(() => blockChecks.delete(index));
    }
    return blockChecks.get(index);
  }

  // Check 2 for one entry: its bytes hash to its leaf in its (checked) block.
  async function checkedEntry(seq, checkpoint, missingCheck) {
    if (!(Number.isSafeInteger(seq) && seq >= 0 && seq < checkpoint.size)) throw new Failure(missingCheck, 'seq');
    const { block, leaves, first } = await checkBlock(Math.floor(seq / S.block_size), checkpoint);
    const b64 = block.entries && Object.prototype.hasOwnProperty.call(block.entries, String(seq)) ? block.entries[String(seq)] : null;
    if (typeof b64 !== 'string') throw new Failure(missingCheck, 'seq ' + seq);
    let bytes;
    try { bytes = fromBase64(b64); } catch (e) { throw new Failure('leaf_hash', e.message); }
    const leaf = await leafHash(bytes);
    if (!equalBytes(leaf, leaves[seq - first])) throw new Failure('leaf_hash', 'seq ' + seq);
    return { bytes, leaf };
  }

  // Check 4: the checkpoint's signature under the verifier key, which must
  // be entry 0's (itself checked by checks 2 and 3). Done once per page.
  let checkpointPromise = null;
  function checkCheckpoint() {
    if (!checkpointPromise) {
      checkpointPromise = (async () => {
        if (!window.crypto || !crypto.subtle) throw new Unsupported('crypto.subtle');
        let note;
        let cp;
        try {
          note = parseNote(S.checkpoint);
          cp = parseCheckpoint(note.text);
        } catch (e) {
          throw new Failure('checkpoint_format', e.message);
        }
        if (cp.size !== S.tree_size || toHex(cp.root) !== String(S.root).toLowerCase() ||
            cp.origin !== S.origin || cp.size === 0) {
          throw new Failure('checkpoint_format', 'summary');
        }
        let key;
        try { key = await parseVerifierKey(S.verifier_key); } catch (e) { throw new Failure('verifier_key', e.message); }
        const sig = note.signatures.find((s) => s.name === key.name && s.keyId === key.keyId);
        if (!sig || sig.signature.length !== 64) throw new Failure('checkpoint_signature', 'no signature by ' + key.name);
        if (!(await ed25519Verify(key.publicKey, sig.signature, utf8(note.text)))) {
          throw new Failure('checkpoint_signature', 'Ed25519');
        }
        // Entry 0 (LedgerOpened) holds the key the ledger was opened with.
        let opened;
        try {
          const e0 = await checkedEntry(0, cp, 'entry0');
          opened = decodeEntry(e0.bytes);
        } catch (e) {
          if (e instanceof Failure && e.check !== 'entry0') throw e;
          throw new Failure('entry0', e.message);
        }
        if (opened.seq !== 0 || !opened.event || opened.event.type !== 'LedgerOpened') throw new Failure('entry0', 'type');
        if (opened.event.verifier_key.trim() !== key.text) throw new Failure('verifier_key', 'entry 0');
        if (opened.event.origin !== cp.origin) throw new Failure('checkpoint_format', 'origin');
        return { ...cp, signer: sig.name, key };
      })();
    }
    return checkpointPromise;
  }

  // Check 5: the decoded entry says what the codes file says.
  function compareEntry(entry, record) {
    let ev = entry.event;
    if (ev.type === 'EventCorrected') ev = ev.replacement;
    if (!ev || ev.type !== 'AidDisbursed') {
      const f = new Failure('entry_content', 'type');
      f.field = 'type';
      throw f;
    }
    const pairs = [
      ['seq', entry.seq, record.seq],
      ['program_id', ev.program_id, record.program_id],
      ['cycle', ev.cycle, record.cycle],
      ['effective_date', entry.effective_date, record.effective_date],
      ['amount', ev.amount, record.amount],
      ['channel', ev.channel, record.channel],
    ];
    for (const [field, got, want] of pairs) {
      if (got !== want) {
        const f = new Failure('entry_content', field);
        f.field = field;
        throw f;
      }
    }
  }

  // The whole check of one typed code; resolves to a verdict object.
  async function checkReceipt(typed) {
    const norm = normalizeCode(typed);
    if (!norm.ok) return { status: 'invalid', reason: norm.reason };
    const code = norm.code;
    try {
      const [codes, checkpoint] = await Promise.all([loadCodes(code.slice(0, 2)), checkCheckpoint()]);
      const record = codes && Object.prototype.hasOwnProperty.call(codes, code) ? codes[code] : null;
      if (!record) return { status: 'not-found', code };
      const { bytes, leaf } = await checkedEntry(record.seq, checkpoint, 'entry_missing');
      if (receiptCode(leaf) !== code) throw new Failure('receipt_code');
      let entry;
      try { entry = decodeEntry(bytes); } catch (e) { throw new Failure('entry_decode', e.message); }
      compareEntry(entry, record);
      return { status: 'verified', code, record, checkpoint, entry };
    } catch (e) {
      if (e instanceof Failure) return { status: 'altered', code, check: e.check, field: e.field, detail: e.detail };
      if (e instanceof Unsupported) return { status: 'error', code, detail: e.message };
      return { status: 'altered', code, check: 'entry_decode', detail: String(e && e.message) };
    }
  }

  // ---------------------------------------------------------------------
  // Rendering.

  const programNames = new Map();
  let lastVerdict = null;

  function checkText(v) {
    return t('check_' + v.check, { field: v.field || v.detail });
  }

  function renderVerdict() {
    const box = document.getElementById('receipt-verdict');
    if (!box) return;
    box.replaceChildren();
    for (const a of ['data-size', 'data-signer', 'data-elapsed-ms']) box.removeAttribute(a);
    const v = lastVerdict;
    if (!v) {
      box.removeAttribute('data-status');
      box.hidden = true;
      return;
    }
    box.hidden = false;
    box.setAttribute('data-status', v.status);
    if (v.code) box.setAttribute('data-code', v.code); else box.removeAttribute('data-code');
    if (v.check) box.setAttribute('data-check', v.check); else box.removeAttribute('data-check');
    if (v.status === 'checking') {
      box.append(el('p', { class: 'verdict-title', text: t('checking') }));
      return;
    }
    if (v.status === 'invalid') {
      box.append(el('p', { class: 'verdict-title', text: t('invalid_title') }),
        el('p', { text: t('invalid_' + v.reason) }));
      return;
    }
    if (v.status === 'not-found') {
      box.append(el('p', { class: 'verdict-title', text: t('not_found_title') }),
        el('p', { text: t('not_found_text', { code: v.code, size: groupDigits(S.tree_size), date: formatDate(S.as_of) }) }));
      return;
    }
    if (v.status === 'altered') {
      box.append(el('p', { class: 'verdict-title', text: t('altered_title') }),
        el('p', { text: t('altered_text', { check: checkText(v) }) }));
      return;
    }
    if (v.status === 'error') {
      box.append(el('p', { class: 'verdict-title', text: t('error_title') }),
        el('p', { text: t('error_text', { detail: v.detail }) }));
      return;
    }
    // verified
    const r = v.record;
    const name = programNames.get(r.program_id);
    const rows = [
      ['code', 'field_code', v.code, v.code],
      ['program_id', 'field_program', r.program_id, name ? name + ' (' + r.program_id + ')' : r.program_id],
      ['cycle', 'field_cycle', r.cycle, formatCycle(r.cycle)],
      ['effective_date', 'field_date', r.effective_date, formatDate(r.effective_date)],
      ['amount', 'field_amount', r.amount, money(r.amount, r.unit)],
      ['area', 'field_area', r.area, receiptAreaLabel(r.area)],
      ['channel', 'field_channel', r.channel, t('channel_' + r.channel)],
      ['status', 'field_status', r.status, t('status_' + r.status)],
      ['seq', 'field_seq', r.seq, groupDigits(r.seq)],
    ];
    box.setAttribute('data-size', String(v.checkpoint.size));
    box.setAttribute('data-signer', v.checkpoint.signer);
    box.append(
      el('p', { class: 'verdict-title', text: t('verified_title') }),
      el('p', { class: 'verdict-statement' }, t('verified_text', { size: groupDigits(v.checkpoint.size), key: v.checkpoint.signer })),
      el('p', { class: 'verdict-note', text: t('verified_note') }),
      el('dl', { class: 'verdict-details' }, rows.map(([field, label, raw, shown]) => [
        el('dt', { text: t(label) }),
        el('dd', { 'data-field': field, 'data-value': raw, class: field === 'status' ? 'status-' + r.status : null }, shown),
      ])));
  }

  async function onCheck(event) {
    if (event) event.preventDefault();
    const input = document.getElementById('receipt-input');
    const typed = input.value;
    if (!typed.trim()) return;
    lastVerdict = { status: 'checking' };
    renderVerdict();
    const verdict = await checkReceipt(typed);
    if (document.getElementById('receipt-input').value !== typed) return;  // a newer check runs
    lastVerdict = verdict;
    renderVerdict();
    // Milliseconds from opening the page to this verdict (for the test).
    document.getElementById('receipt-verdict').setAttribute('data-elapsed-ms', String(Math.round(performance.now())));
  }

  function totalRow(p, field, isCount) {
    const value = p[field];
    const shown = isCount ? groupDigits(value) + ' ' + t('people') : money(value, p.unit);
    return el('div', { class: 'total total-' + field },
      el('dt', { text: t('t_' + field) }),
      el('dd', { 'data-program': p.program_id, 'data-field': field, 'data-value': value }, shown));
  }

  function monthsChart(p) {
    const months = p.months || [];
    if (months.length === 0) return el('p', { class: 'muted', text: t('months_empty') });
    const W = chartWidth(), H = 220, left = 74, right = 8, top = 12, bottom = 34;
    const max = Math.max(1, ...months.map((m) => m.paid_amount));
    const ticks = niceTicks(max);
    const top_ = ticks[ticks.length - 1];
    const plotW = W - left - right, plotH = H - top - bottom;
    const bw = plotW / months.length;
    const g = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'aria-label': t('months_heading') + ' — ' + p.name });
    for (const tick of ticks) {
      const y = top + plotH - (tick / top_) * plotH;
      g.append(svg('line', { x1: left, x2: W - right, y1: y, y2: y, class: 'grid' }),
        svg('text', { x: left - 6, y: y + 4, 'text-anchor': 'end', class: 'axis' }, compact(tick, p.unit)));
    }
    months.forEach((m, i) => {
      const h = (m.paid_amount / top_) * plotH;
      const x = left + i * bw;
      const [yy, mm] = m.month.split('-');
      const short = t('months_short')[Number(mm) - 1] || m.month;
      const label = bw >= 26 ? short : short.slice(0, 1);
      g.append(svg('rect', { x: x + bw * 0.15, y: top + plotH - h, width: bw * 0.7, height: Math.max(h, 0), class: 'bar' },
        svg('title', {}, short + ' ' + yy + ': ' + money(m.paid_amount, p.unit) + ' · ' + groupDigits(m.paid_count) + ' ' + t('payments'))));
      g.append(svg('text', { x: x + bw / 2, y: H - bottom + 16, 'text-anchor': 'middle', class: 'axis' }, label));
      if (i === 0 || mm === '01') g.append(svg('text', { x: x + bw / 2, y: H - bottom + 30, 'text-anchor': 'middle', class: 'axis' }, yy));
    });
    return g;
  }

  function niceTicks(max) {
    const raw = max / 4;
    const mag = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = [1, 2, 2.5, 5, 10].map((f) => f * mag).find((s) => s >= raw) || 10 * mag;
    const ticks = [];
    for (let v = 0; v <= max + step * 0.999; v += step) ticks.push(Math.round(v));
    if (ticks.length < 2) ticks.push(Math.round(step));
    return ticks;
  }

  // Bars for the areas one level below the top that has more than one
  // listed area, plus the hidden aggregate at that level.
  function areasChart(p) {
    const areas = p.areas || [];
    const kel = areas.filter((a) => a.level === 'kelurahan');
    let bars;
    let hidden;
    if (kel.length === 1) {
      bars = areas.filter((a) => a.level === 'rw' && a.parent === kel[0].code)
        .map((a) => ({ label: areaLabel(a.code, 'rw'), title: a.code, a }));
      hidden = kel[0].hidden;
    } else {
      bars = kel.map((a) => ({ label: a.code, title: a.code, a }));
      hidden = p.hidden;
    }
    if (hidden && hidden.areas > 0) {
      bars.push({ label: t('hidden_areas'), title: t('hidden_count', { n: hidden.areas }), a: hidden, hidden: true });
    }
    if (bars.length === 0) return el('p', { class: 'muted', text: t('areas_empty') });
    // One row per area: its name and figures on a line, its bar below.
    const W = chartWidth(), rowH = 40, top = 2;
    const H = top + bars.length * rowH;
    const max = Math.max(1, ...bars.map((b) => b.a.paid_amount));
    const g = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'aria-label': t('areas_heading') + ' — ' + p.name });
    bars.forEach((b, i) => {
      const y = top + i * rowH;
      const w = Math.max((b.a.paid_amount / max) * (W - 2), 1);
      g.append(
        svg('text', { x: 0, y: y + 14, class: 'axis' + (b.hidden ? ' hidden-label' : '') },
          svg('tspan', { class: 'area-label' }, b.label),
          svg('tspan', { dx: 8 }, compact(b.a.paid_amount, p.unit) + ' · ' + groupDigits(b.a.recipients) + ' ' + t('people'))),
        svg('rect', { x: 0, y: y + 20, width: w, height: 12, rx: 2, class: b.hidden ? 'bar bar-hidden' : 'bar' },
          svg('title', {}, b.title + ': ' + money(b.a.paid_amount, p.unit) + ' · ' + groupDigits(b.a.recipients) + ' ' + t('people'))));
    });
    return g;
  }

  // Charts are drawn at the width they are shown at, so that their text
  // stays readable on a phone.
  function chartWidth() {
    const main = document.getElementById('content');
    const width = main ? main.clientWidth - 36 : 640;
    return Math.round(Math.max(280, Math.min(720, width)));
  }

  function areaRows(p) {
    const areas = p.areas || [];
    const byParent = new Map();
    for (const a of areas) {
      const key = a.level === 'kelurahan' ? '' : a.parent;
      if (!byParent.has(key)) byParent.set(key, []);
      byParent.get(key).push(a);
    }
    const rows = [];
    const hiddenRow = (h, depth, parent) => {
      if (!h || !(h.areas > 0)) return;
      rows.push(el('tr', { class: 'area-hidden depth-' + depth, 'data-hidden': 'true', 'data-parent': parent,
        'data-areas': h.areas, 'data-recipients': h.recipients, 'data-paid-count': h.paid_count, 'data-paid-amount': h.paid_amount },
        el('td', { class: 'area-name' }, t('hidden_areas'), el('span', { class: 'muted' }, ' · ' + t('hidden_count', { n: h.areas }))),
        el('td', { class: 'num' }, groupDigits(h.recipients)),
        el('td', { class: 'num' }, groupDigits(h.paid_count)),
        el('td', { class: 'num' }, money(h.paid_amount, p.unit))));
    };
    const walk = (parent, depth) => {
      for (const a of (byParent.get(parent) || []).slice().sort((x, y) => x.code.localeCompare(y.code))) {
        rows.push(el('tr', { class: 'area-' + a.level + ' depth-' + depth, 'data-area': a.code, 'data-parent': parent,
          'data-recipients': a.recipients, 'data-paid-count': a.paid_count, 'data-paid-amount': a.paid_amount },
          el('td', { class: 'area-name', title: a.code }, areaLabel(a.code, a.level)),
          el('td', { class: 'num' }, groupDigits(a.recipients)),
          el('td', { class: 'num' }, groupDigits(a.paid_count)),
          el('td', { class: 'num' }, money(a.paid_amount, p.unit))));
        walk(a.code, depth + 1);
        hiddenRow(a.hidden, depth + 1, a.code);
      }
    };
    walk('', 0);
    hiddenRow(p.hidden, 0, '');
    return rows;
  }

  function cycleRows(p) {
    return (p.cycles || []).map((c) => {
      const pct = c.planned_amount > 0 ? Math.min(100, (c.paid_amount / c.planned_amount) * 100) : 0;
      return el('tr', { 'data-cycle': c.cycle },
        el('td', { title: c.cycle }, formatCycle(c.cycle)),
        el('td', {}, t('cycle_' + c.status) || c.status),
        el('td', { class: 'num' }, money(c.planned_amount, p.unit), el('br'), el('span', { class: 'muted' }, groupDigits(c.planned_count) + ' ' + t('payments'))),
        el('td', { class: 'num' }, money(c.paid_amount, p.unit), el('br'), el('span', { class: 'muted' }, groupDigits(c.paid_count) + ' ' + t('payments'))),
        el('td', { class: 'num' }, money(c.returned_amount, p.unit), el('br'), el('span', { class: 'muted' }, groupDigits(c.returned_count) + ' ' + t('payments'))),
        el('td', { class: 'progress-cell' },
          el('span', { class: 'progress' }, el('span', { class: 'progress-bar', style: 'width:' + pct.toFixed(1) + '%' })),
          el('span', { class: 'muted' }, c.planned_amount > 0 ? pct.toFixed(1).replace('.', lang === 'id' ? ',' : '.') + '%' : '–')));
    });
  }

  function programSection(p) {
    const totals = ['allocated', 'funds_returned', 'disbursed', 'disbursements_returned'];
    if (p.kind === 'ROTATING_CAPITAL' || p.granted) totals.push('granted');
    totals.push('remaining');
    return el('section', { class: 'card program', id: 'program-' + p.program_id, 'data-program': p.program_id },
      el('h3', {}, p.name, ' ', el('span', { class: 'program-id' }, p.program_id)),
      el('p', { class: 'muted' }, t('kind_' + p.kind), ' · ', t('legal_basis'), ': ', p.legal_basis),
      el('dl', { class: 'totals' },
        totals.map((f) => totalRow(p, f, false)),
        totalRow(p, 'enrolled', true),
        totalRow(p, 'recipients', true)),
      el('h4', { text: t('cycles_heading') }),
      (p.cycles || []).length === 0 ? el('p', { class: 'muted', text: t('cycles_empty') }) :
        el('div', { class: 'table-wrap' },
          el('table', { class: 'cycles' },
            el('thead', {}, el('tr', {}, ['c_cycle', 'c_status', 'c_planned', 'c_paid', 'c_returned', 'c_progress'].map((k) => el('th', { text: t(k) })))),
            el('tbody', {}, cycleRows(p)))),
      el('h4', { text: t('months_heading') }),
      monthsChart(p),
      el('h4', { text: t('areas_heading') }),
      areasChart(p),
      (p.areas || []).length > 0 || (p.hidden && p.hidden.areas > 0) ? areasDetails(p) : null);
  }

  // The area table can be long (every listed RT): built when first opened.
  function areasDetails(p) {
    const details = el('details', { class: 'areas', 'data-program': p.program_id },
      el('summary', { text: t('areas_table') }));
    const fill = () => {
      if (details.querySelector('table')) return;
      details.append(el('div', { class: 'table-wrap' },
        el('table', { class: 'areas-table' },
          el('thead', {}, el('tr', {}, ['a_area', 'a_recipients', 'a_paid_count', 'a_paid_amount'].map((k) => el('th', { text: t(k) })))),
          el('tbody', {}, areaRows(p)))));
    };
    details.addEventListener('toggle', () => { if (details.open) fill(); });
    return details;
  }

  function checkpointSection() {
    let signer = '';
    try {
      const note = parseNote(S.checkpoint);
      const name = String(S.verifier_key).split('+')[0];
      signer = (note.signatures.find((s) => s.name === name) || note.signatures[0] || {}).name || '';
    } catch (e) { /* shown as not valid by the check */ }
    const row = (label, value, id, cls) => [el('dt', { text: t(label) }), el('dd', { id, class: cls }, value)];
    return el('section', { class: 'card', id: 'checkpoint' },
      el('h2', { text: t('checkpoint_heading') }),
      el('p', { text: t('checkpoint_help', { size: groupDigits(S.tree_size) }) }),
      el('dl', { class: 'kv' },
        row('cp_origin', S.origin, 'checkpoint-origin'),
        row('cp_size', groupDigits(S.tree_size), 'checkpoint-size'),
        row('cp_root', S.root, 'checkpoint-root', 'mono'),
        row('cp_signer', signer, 'checkpoint-signer'),
        row('cp_key', S.verifier_key, 'verifier-key', 'mono'),
        row('cp_status', t('cp_checking'), 'checkpoint-status')),
      el('pre', { class: 'note mono', id: 'checkpoint-note' }, S.checkpoint));
  }

  function renderCheckpointStatus() {
    const node = document.getElementById('checkpoint-status');
    if (!node) return;
    checkCheckpoint().then(() => {
      node.setAttribute('data-status', 'verified');
      node.textContent = t('cp_ok');
    }, (e) => {
      node.setAttribute('data-status', e instanceof Unsupported ? 'error' : 'altered');
      node.textContent = e instanceof Failure ? t('cp_bad', { check: t('check_' + e.check) }) : t('error_text', { detail: e.message });
    });
  }

  let renderGeneration = 0;  // bumped by each render(), which empties the page
  let drawnGeneration = -1;  // the render whose programmes are drawn or being drawn

  function render(deferPrograms) {
    document.documentElement.lang = lang;
    document.title = t('title') + (S ? ' — ' + S.origin : '');
    for (const node of document.querySelectorAll('[data-i18n]')) node.textContent = t(node.getAttribute('data-i18n'));
    for (const node of document.querySelectorAll('[data-i18n-placeholder]')) node.setAttribute('placeholder', t(node.getAttribute('data-i18n-placeholder')));
    const sw = document.getElementById('lang-switch');
    sw.textContent = t('lang_switch');
    sw.setAttribute('data-lang', lang);
    const main = document.getElementById('content');
    if (!S || S.format !== 'lumbung-oversight/1') {
      main.replaceChildren(el('p', { class: 'card error', id: 'load-error', text: t('no_data') }));
      return;
    }
    document.getElementById('origin').textContent = S.origin;
    document.getElementById('as-of').textContent = t('as_of') + ' ' + formatDate(S.as_of) + ' · ' + groupDigits(S.tree_size) + ' ' + t('entries_label');

    const overview = el('section', { class: 'card', id: 'overview' },
      el('h2', { text: t('overview_heading') }),
      el('dl', { class: 'totals overview' }, (S.totals || []).map((u) => el('div', { class: 'total' },
        el('dt', { text: t('overview_disbursed', { unit: u.unit === 'IDR' ? 'Rp' : u.unit }) }),
        el('dd', { 'data-unit': u.unit, 'data-field': 'disbursed', 'data-value': u.disbursed, 'data-recipients': u.recipients },
          money(u.disbursed, u.unit),
          el('span', { class: 'muted' }, ' · ' + groupDigits(u.recipients) + ' ' + t('overview_recipients')))))),
      el('ul', { class: 'program-links' }, S.programs.map((p) => el('li', {}, el('a', { href: '#program-' + p.program_id }, p.name)))));

    const programs = el('section', { id: 'programs' }, el('h2', { text: t('programs_heading') }));

    const privacy = el('section', { class: 'card', id: 'privacy' },
      el('h2', { text: t('privacy_heading') }),
      el('p', { id: 'small-cell-rule' }, t('privacy_text', { k: S.k })),
      el('p', {}, t('k_label') + ': ', el('strong', { id: 'k-value', 'data-value': S.k }, String(S.k))));

    const files = ['data/programs.csv', 'data/cycles.csv', 'data/areas.csv', 'data/disbursements.csv', 'data/summary.json', 'checkpoint.txt', 'verifier.key'];
    const downloads = el('section', { class: 'card', id: 'downloads' },
      el('h2', { text: t('downloads_heading') }),
      el('p', { text: t('downloads_text') }),
      el('ul', { class: 'files' }, files.map((f) => el('li', {}, el('a', { href: f }, f)))));

    main.removeAttribute('data-ready');
    main.replaceChildren(overview, programs, checkpointSection(), privacy, downloads);
    renderCheckpointStatus();
    renderVerdict();
    ++renderGeneration;
    if (!deferPrograms) drawPrograms(false);
  }

  // The programmes (charts, tables) are the bulk of the page. When drawn
  // incrementally, one per task; #content gets data-ready when all are in.
  function drawPrograms(incremental) {
    const main = document.getElementById('content');
    const programs = document.getElementById('programs');
    if (!programs || drawnGeneration === renderGeneration) return;
    const generation = renderGeneration;
    drawnGeneration = generation;
    const queue = S.programs.slice();
    const step = () => {
      if (generation !== renderGeneration) return;
      if (queue.length > 0) programs.append(programSection(queue.shift()));
      if (queue.length === 0) {
        main.setAttribute('data-ready', 'true');
      } else if (incremental) {
        setTimeout(step, 0);
      } else {
        step();
      }
    };
    step();
  }

  function init() {
    document.getElementById('receipt-form').addEventListener('submit', onCheck);
    document.getElementById('lang-switch').addEventListener('click', () => {
      lang = lang === 'id' ? 'en' : 'id';
      try { window.localStorage.setItem('lumbung-lang', lang); } catch (e) { /* ignore */ }
      render(false);
    });
    if (!S || S.format !== 'lumbung-oversight/1') {
      render(false);
      return;
    }
    for (const p of S.programs) programNames.set(p.program_id, p.name);
    // The checkpoint is checked at once, and so is a code given in the
    // address (index.html#r=CODE, as a link on a receipt would); the
    // programmes are drawn once those checks are done.
    const pending = [checkCheckpoint()];
    const m = /^#(?:r|receipt)=([0-9A-Za-z \-]{1,40})$/.exec(decodeURIComponent(location.hash || ''));
    if (m) {
      document.getElementById('receipt-input').value = m[1];
      pending.push(onCheck(null));
    }
    render(true);
    Promise.allSettled(pending).then(() => drawPrograms(true));
  }

  // For tests and for readers who want to check by hand in the console.
  window.lumbungCheck = { normalizeCode, receiptCode, decodeEntry, verifyInclusion, merkleRoot, checkReceipt, parseNote, parseCheckpoint, parseVerifierKey };

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
