"""Byte tables for the legacy Vietnamese encodings (data only; the logic is in vnlegacy.py).

TCVN3 and VISCII were generated from glibc's iconv (2.36) on Debian, one byte at a time::

    for b in range(256):
        subprocess.run(["iconv", "-f", "TCVN5712-1", "-t", "UTF-8"], input=bytes([b]))

glibc's ``TCVN5712-1`` is TCVN 5712:1993 VN1, a superset of VN3 (the ``.VnTime`` font layout,
"TCVN3"/"ABC"): the lower-case letters, the seven bare capitals (0xA1-0xA7) and the combining
tone marks (0xB0-0xB4) are at the same positions. VN1 adds the toned capitals in 0x80-0x9F,
in the gaps of 0xAF-0xFF and in six C0 positions (0x01, 0x02, 0x04-0x06, 0x11-0x17). We keep
VN1's C0 capitals, as iconv does: VN3 text never uses those bytes (a ``.VnTime`` page writes
capitals with the ``.VnTimeH`` font instead), so decoding them as letters costs nothing, and
it gives every toned capital a one-byte code so that encode/decode round-trips and matches
``iconv -t TCVN5712-1``. TAB, LF and CR stay themselves in both tables.

VISCII (RFC 1456) is 8-bit and all precomposed; it also uses six C0 positions (0x02, 0x05,
0x06, 0x14, 0x19, 0x1E) for capitals. tests/archive/text/test_vnlegacy.py checks both against iconv.

VNI-Windows (the ``VNI-Times`` font layout) has no iconv codec. A letter is a base byte plus
an optional modifier byte; the table below is written from the layout of the font (as
documented by Unikey's and VietPad's converters), and checked against known samples such as
``Vieät Nam`` = "Việt Nam". Capitals use the capital base and the modifier byte minus 0x20.
"""

from __future__ import annotations

# iconv -f TCVN5712-1 -t UTF-8, one byte at a time (glibc).
TCVN3_CHARS = (
    "\u0000\u00da\u1ee4\u0003\u1eea\u1eec\u1eee\u0007"  # 00-07
    "\u0008\u0009\u000a\u000b\u000c\u000d\u000e\u000f"  # 08-0F
    "\u0010\u1ee8\u1ef0\u1ef2\u1ef6\u1ef8\u00dd\u1ef4"  # 10-17
    "\u0018\u0019\u001a\u001b\u001c\u001d\u001e\u001f"  # 18-1F
    " !\u0022#$%&'"  # 20-27
    "()*+,-./"  # 28-2F
    "01234567"  # 30-37
    "89:;<=>?"  # 38-3F
    "@ABCDEFG"  # 40-47
    "HIJKLMNO"  # 48-4F
    "PQRSTUVW"  # 50-57
    "XYZ[\u005c]^_"  # 58-5F
    "`abcdefg"  # 60-67
    "hijklmno"  # 68-6F
    "pqrstuvw"  # 70-77
    "xyz{|}~\u007f"  # 78-7F
    "\u00c0\u1ea2\u00c3\u00c1\u1ea0\u1eb6\u1eac\u00c8"  # 80-87
    "\u1eba\u1ebc\u00c9\u1eb8\u1ec6\u00cc\u1ec8\u0128"  # 88-8F
    "\u00cd\u1eca\u00d2\u1ece\u00d5\u00d3\u1ecc\u1ed8"  # 90-97
    "\u1edc\u1ede\u1ee0\u1eda\u1ee2\u00d9\u1ee6\u0168"  # 98-9F
    "\u00a0\u0102\u00c2\u00ca\u00d4\u01a0\u01af\u0110"  # A0-A7
    "\u0103\u00e2\u00ea\u00f4\u01a1\u01b0\u0111\u1eb0"  # A8-AF
    "\u0300\u0309\u0303\u0301\u0323\u00e0\u1ea3\u00e3"  # B0-B7
    "\u00e1\u1ea1\u1eb2\u1eb1\u1eb3\u1eb5\u1eaf\u1eb4"  # B8-BF
    "\u1eae\u1ea6\u1ea8\u1eaa\u1ea4\u1ec0\u1eb7\u1ea7"  # C0-C7
    "\u1ea9\u1eab\u1ea5\u1ead\u00e8\u1ec2\u1ebb\u1ebd"  # C8-CF
    "\u00e9\u1eb9\u1ec1\u1ec3\u1ec5\u1ebf\u1ec7\u00ec"  # D0-D7
    "\u1ec9\u1ec4\u1ebe\u1ed2\u0129\u00ed\u1ecb\u00f2"  # D8-DF
    "\u1ed4\u1ecf\u00f5\u00f3\u1ecd\u1ed3\u1ed5\u1ed7"  # E0-E7
    "\u1ed1\u1ed9\u1edd\u1edf\u1ee1\u1edb\u1ee3\u00f9"  # E8-EF
    "\u1ed6\u1ee7\u0169\u00fa\u1ee5\u1eeb\u1eed\u1eef"  # F0-F7
    "\u1ee9\u1ef1\u1ef3\u1ef7\u1ef9\u00fd\u1ef5\u1ed0"  # F8-FF
)

# iconv -f VISCII -t UTF-8, one byte at a time (glibc).
VISCII_CHARS = (
    "\u0000\u0001\u1eb2\u0003\u0004\u1eb4\u1eaa\u0007"  # 00-07
    "\u0008\u0009\u000a\u000b\u000c\u000d\u000e\u000f"  # 08-0F
    "\u0010\u0011\u0012\u0013\u1ef6\u0015\u0016\u0017"  # 10-17
    "\u0018\u1ef8\u001a\u001b\u001c\u001d\u1ef4\u001f"  # 18-1F
    " !\u0022#$%&'"  # 20-27
    "()*+,-./"  # 28-2F
    "01234567"  # 30-37
    "89:;<=>?"  # 38-3F
    "@ABCDEFG"  # 40-47
    "HIJKLMNO"  # 48-4F
    "PQRSTUVW"  # 50-57
    "XYZ[\u005c]^_"  # 58-5F
    "`abcdefg"  # 60-67
    "hijklmno"  # 68-6F
    "pqrstuvw"  # 70-77
    "xyz{|}~\u007f"  # 78-7F
    "\u1ea0\u1eae\u1eb0\u1eb6\u1ea4\u1ea6\u1ea8\u1eac"  # 80-87
    "\u1ebc\u1eb8\u1ebe\u1ec0\u1ec2\u1ec4\u1ec6\u1ed0"  # 88-8F
    "\u1ed2\u1ed4\u1ed6\u1ed8\u1ee2\u1eda\u1edc\u1ede"  # 90-97
    "\u1eca\u1ece\u1ecc\u1ec8\u1ee6\u0168\u1ee4\u1ef2"  # 98-9F
    "\u00d5\u1eaf\u1eb1\u1eb7\u1ea5\u1ea7\u1ea9\u1ead"  # A0-A7
    "\u1ebd\u1eb9\u1ebf\u1ec1\u1ec3\u1ec5\u1ec7\u1ed1"  # A8-AF
    "\u1ed3\u1ed5\u1ed7\u1ee0\u01a0\u1ed9\u1edd\u1edf"  # B0-B7
    "\u1ecb\u1ef0\u1ee8\u1eea\u1eec\u01a1\u1edb\u01af"  # B8-BF
    "\u00c0\u00c1\u00c2\u00c3\u1ea2\u0102\u1eb3\u1eb5"  # C0-C7
    "\u00c8\u00c9\u00ca\u1eba\u00cc\u00cd\u0128\u1ef3"  # C8-CF
    "\u0110\u1ee9\u00d2\u00d3\u00d4\u1ea1\u1ef7\u1eeb"  # D0-D7
    "\u1eed\u00d9\u00da\u1ef9\u1ef5\u00dd\u1ee1\u01b0"  # D8-DF
    "\u00e0\u00e1\u00e2\u00e3\u1ea3\u0103\u1eef\u1eab"  # E0-E7
    "\u00e8\u00e9\u00ea\u1ebb\u00ec\u00ed\u0129\u1ec9"  # E8-EF
    "\u0111\u1ef1\u00f2\u00f3\u00f4\u00f5\u1ecf\u1ecd"  # F0-F7
    "\u1ee5\u00f9\u00fa\u0169\u1ee7\u00fd\u1ee3\u1eee"  # F8-FF
)

# Tone order used by the VNI rows: none, huyền (grave), sắc (acute), hỏi (hook above),
# ngã (tilde), nặng (dot below). Modifier bytes are written as cp1252 characters.
VNI_TONES = ("", "\u00f8", "\u00f9", "\u00fb", "\u00f5", "\u00ef")  # ø ù û õ ï
VNI_CIRCUMFLEX = ("\u00e2", "\u00e0", "\u00e1", "\u00e5", "\u00e3", "\u00e4")  # â à á å ã ä
VNI_BREVE = ("\u00ea", "\u00e8", "\u00e9", "\u00fa", "\u00fc", "\u00eb")  # ê è é ú ü ë

# Lower-case vowel (no tone) -> (VNI base byte, modifier row). Capitals are derived.
VNI_VOWELS: dict[str, tuple[str, tuple[str, ...]]] = {
    "a": ("a", VNI_TONES),
    "\u0103": ("a", VNI_BREVE),  # ă
    "\u00e2": ("a", VNI_CIRCUMFLEX),  # â
    "e": ("e", VNI_TONES),
    "\u00ea": ("e", VNI_CIRCUMFLEX),  # ê
    "o": ("o", VNI_TONES),
    "\u00f4": ("o", VNI_CIRCUMFLEX),  # ô
    "\u01a1": ("\u00f4", VNI_TONES),  # ơ is the single byte ô (0xF4)
    "u": ("u", VNI_TONES),
    "\u01b0": ("\u00f6", VNI_TONES),  # ư is the single byte ö (0xF6)
    "y": ("y", VNI_TONES),
}

# Letters VNI writes as one byte (narrow glyphs), overriding the rows above.
VNI_SINGLE: dict[str, str] = {
    "\u0111": "\u00f1",  # đ = ñ
    "\u00ec": "\u00ec",  # ì = ì
    "\u00ed": "\u00ed",  # í = í
    "\u1ec9": "\u00e6",  # ỉ = æ
    "\u0129": "\u00f3",  # ĩ = ó
    "\u1ecb": "\u00f2",  # ị = ò
    "\u1ef5": "\u00ee",  # ỵ = î
}
