// Latin letters that NFKD does not decompose, and the Cyrillic and Greek alphabets (ISO 9-ish / ELOT
// simplified): enough for a readable ASCII slug. Scripts without a sensible Latin spelling (CJK, emoji…)
// are left to the caller's random fallback.
const TABLE: Record<string, string> = {
  ß: 'ss', æ: 'ae', œ: 'oe', ø: 'o', đ: 'd', ð: 'd', ł: 'l', þ: 'th', ı: 'i', ŋ: 'ng', ħ: 'h', ŧ: 't',
  а: 'a', б: 'b', в: 'v', г: 'g', ґ: 'g', д: 'd', е: 'e', ё: 'yo', є: 'ye', ж: 'zh', з: 'z', и: 'i',
  і: 'i', ї: 'yi', й: 'y', к: 'k', л: 'l', м: 'm', н: 'n', о: 'o', п: 'p', р: 'r', с: 's', т: 't',
  у: 'u', ў: 'u', ф: 'f', х: 'kh', ц: 'ts', ч: 'ch', ш: 'sh', щ: 'shch', ъ: '', ы: 'y', ь: '', э: 'e',
  ю: 'yu', я: 'ya', ђ: 'dj', ј: 'j', љ: 'lj', њ: 'nj', ћ: 'c', џ: 'dz', ѓ: 'gj', ќ: 'kj', ѕ: 'dz',
  α: 'a', β: 'v', γ: 'g', δ: 'd', ε: 'e', ζ: 'z', η: 'i', θ: 'th', ι: 'i', κ: 'k', λ: 'l', μ: 'm',
  ν: 'n', ξ: 'x', ο: 'o', π: 'p', ρ: 'r', σ: 's', ς: 's', τ: 't', υ: 'y', φ: 'f', χ: 'ch', ψ: 'ps',
  ω: 'o',
};

/**
 * Lower-cased text with the letters above spelled in ASCII, then NFKD-decomposed so the caller can
 * strip the remaining accents (é → e). Composed letters are looked up first (ї is "yi", not "i"), then their parts (ά is "a").
 */
export function transliterate(text: string): string {
  let out = '';
  for (const ch of text.toLowerCase().normalize('NFC')) {
    const known = TABLE[ch];
    if (known !== undefined) out += known;
    else for (const part of ch.normalize('NFKD')) out += TABLE[part] ?? part;
  }
  return out;
}
