/**
 * Placeholder product pictures for the demo catalog, drawn as SVG on the fly: a soft gradient whose hue comes
 * from a hash of the slug, a simple glyph for the kind of product, and the title underneath. Deterministic,
 * self-contained (no fonts or images fetched), and only for slugs in the seed catalog.
 */
import { seedCategories, seedProducts } from "./catalog.ts";

interface Palette {
  /** main glyph fill */
  f: string;
  /** accent, lighter than f */
  a: string;
  /** shadow, darker than f */
  s: string;
  /** detail lines, near-white */
  d: string;
}

type Glyph = (p: Palette) => string;

const round = 'stroke-linecap="round" stroke-linejoin="round"';

const glyphs = {
  tee: ({ f, a, d }) => `
    <path d="M70 30 L48 38 L16 62 L32 92 L52 82 L52 178 Q52 182 56 182 L144 182 Q148 182 148 178 L148 82 L168 92 L184 62 L152 38 L130 30 Q100 56 70 30 Z" fill="${f}"/>
    <path d="M52 82 L58 40 M148 82 L142 40" stroke="${a}" stroke-width="3" fill="none" ${round}/>
    <path d="M70 30 Q100 56 130 30" stroke="${d}" stroke-width="5" fill="none" ${round}/>`,
  longsleeve: ({ f, a, d }) => `
    ${longBody(f)}
    <path d="M14 150 L37 154 M186 150 L163 154 M52 166 L148 166" stroke="${a}" stroke-width="4" fill="none" ${round}/>
    <path d="M70 28 Q100 52 130 28" stroke="${d}" stroke-width="5" fill="none" ${round}/>`,
  breton: ({ f, a, d }) => `
    <clipPath id="breton-body">${longBody("#000")}</clipPath>
    ${longBody(d)}
    <g clip-path="url(#breton-body)">${Array.from({ length: 9 }, (_, i) => `<rect x="0" y="${44 + i * 16}" width="200" height="8" fill="${f}"/>`).join("")}</g>
    <path d="M70 28 Q100 44 130 28" stroke="${f}" stroke-width="5" fill="none" ${round}/>
    <path d="M12 162 L36 166 M188 162 L164 166" stroke="${a}" stroke-width="4" ${round}/>`,
  shirt: ({ f, a, d }) => `
    ${longBody(f)}
    <path d="M14 150 L37 154 M186 150 L163 154" stroke="${a}" stroke-width="4" fill="none" ${round}/>
    <path d="M100 40 L100 180" stroke="${a}" stroke-width="3"/>
    <path d="M70 28 L84 54 L100 40 L116 54 L130 28 Q100 42 70 28 Z" fill="${d}"/>
    ${[72, 100, 128, 156].map((y) => `<circle cx="100" cy="${y}" r="3.5" fill="${d}"/>`).join("")}
    <rect x="112" y="72" width="22" height="24" rx="3" fill="none" stroke="${a}" stroke-width="3"/>`,
  hoodie: ({ f, a, d }) => `
    ${longBody(f)}
    <path d="M66 32 Q64 4 100 4 Q136 4 134 32 Q100 56 66 32 Z" fill="${a}"/>
    <path d="M74 34 Q100 52 126 34" stroke="${d}" stroke-width="4" fill="none" ${round}/>
    <path d="M92 46 L90 80 M108 46 L110 80" stroke="${d}" stroke-width="3" ${round}/>
    <path d="M70 120 L130 120 L142 160 L58 160 Z" fill="none" stroke="${a}" stroke-width="4" ${round}/>
    <path d="M14 150 L37 154 M186 150 L163 154 M52 168 L148 168" stroke="${a}" stroke-width="4" fill="none" ${round}/>`,
  jacket: ({ f, a, d }) => `
    ${longBody(f)}
    <path d="M66 32 Q64 4 100 4 Q136 4 134 32 Q100 56 66 32 Z" fill="${a}"/>
    <path d="M100 40 L100 180" stroke="${d}" stroke-width="4"/>
    <path d="M64 120 L86 116 M136 120 L114 116" stroke="${a}" stroke-width="4" ${round}/>
    <path d="M14 150 L37 154 M186 150 L163 154" stroke="${a}" stroke-width="4" fill="none" ${round}/>`,
  trousers: ({ f, a, d }) => `
    <path d="M56 18 L144 18 L158 184 L114 184 L100 72 L86 184 L42 184 Z" fill="${f}"/>
    <rect x="55" y="18" width="90" height="14" fill="${a}"/>
    <path d="M100 32 L100 66 M62 34 Q76 50 66 66 M138 34 Q124 50 134 66" stroke="${d}" stroke-width="3" fill="none" ${round}/>
    ${[68, 100, 132].map((x) => `<rect x="${x - 3}" y="16" width="6" height="18" rx="2" fill="${f}"/>`).join("")}`,
  shorts: ({ f, a, d }) => `
    <path d="M48 46 L152 46 L166 146 L112 152 L100 96 L88 152 L34 146 Z" fill="${f}"/>
    <rect x="48" y="46" width="104" height="16" fill="${a}"/>
    <path d="M96 62 L90 86 M104 62 L110 86 M56 64 Q68 78 60 92 M144 64 Q132 78 140 92" stroke="${d}" stroke-width="3" fill="none" ${round}/>`,
  skirt: ({ f, a, d }) => `
    <path d="M68 28 L132 28 L170 168 Q100 184 30 168 Z" fill="${f}"/>
    <path d="M68 28 L132 28 L136 44 L64 44 Z" fill="${a}"/>
    <path d="M84 46 L70 172 M100 46 L100 177 M116 46 L130 172 M72 46 L48 168 M128 46 L152 168" stroke="${d}" stroke-width="2.5" opacity="0.6" ${round}/>`,
  sneaker: ({ f, a, d }) => `
    <path d="M22 136 L22 98 Q22 84 36 82 L62 80 Q82 74 94 60 Q104 52 114 60 Q126 88 156 100 Q184 108 184 128 L184 136 Z" fill="${f}"/>
    <rect x="16" y="130" width="172" height="20" rx="9" fill="${a}"/>
    <path d="M16 140 L188 140" stroke="${d}" stroke-width="2" opacity="0.6"/>
    <path d="M102 68 L116 72 M108 78 L123 83 M115 88 L131 93" stroke="${d}" stroke-width="4" ${round}/>
    <path d="M150 100 Q180 108 183 128" stroke="${d}" stroke-width="3" fill="none" opacity="0.6"/>`,
  boot: ({ f, a, d }) => `
    <rect x="96" y="12" width="16" height="24" rx="5" fill="${a}"/>
    <path d="M46 24 L112 24 L114 104 Q152 106 172 124 Q184 134 182 148 L42 148 L44 104 Z" fill="${f}"/>
    <path d="M70 30 Q82 66 72 100 L94 100 Q88 66 96 30 Z" fill="${a}" opacity="0.85"/>
    <rect x="36" y="144" width="152" height="20" rx="7" fill="${a}"/>
    <path d="M114 110 Q150 112 170 128" stroke="${d}" stroke-width="3" fill="none" opacity="0.5"/>`,
  sock: ({ f, a, d }) => `
    <path d="M66 18 L118 18 L118 104 Q118 118 128 126 L164 154 Q178 168 166 182 Q152 194 136 182 L82 140 Q66 128 66 110 Z" fill="${f}"/>
    <rect x="66" y="18" width="52" height="28" fill="${a}"/>
    <path d="M74 26 L74 40 M84 26 L84 40 M94 26 L94 40 M104 26 L104 40 M112 26 L112 40" stroke="${f}" stroke-width="3" opacity="0.4"/>
    <path d="M148 160 Q160 160 168 170" stroke="${d}" stroke-width="4" fill="none" ${round}/>
    <path d="M66 110 Q66 128 82 140" stroke="${d}" stroke-width="4" fill="none" ${round}/>`,
  tote: ({ f, a, d }) => `
    <path d="M70 76 Q70 24 100 24 Q130 24 130 76" stroke="${f}" stroke-width="9" fill="none" ${round}/>
    <path d="M40 74 L160 74 L168 182 L32 182 Z" fill="${f}"/>
    <path d="M40 74 L160 74 L161 90 L39 90 Z" fill="${a}"/>
    <rect x="84" y="118" width="32" height="22" rx="3" fill="${d}" opacity="0.85"/>`,
  backpack: ({ f, a, d }) => `
    <path d="M88 32 Q100 10 112 32" stroke="${f}" stroke-width="7" fill="none" ${round}/>
    <path d="M54 52 Q54 30 76 30 L124 30 Q146 30 146 52 L152 176 Q152 186 142 186 L58 186 Q48 186 48 176 Z" fill="${f}"/>
    <path d="M54 52 Q54 30 76 30 L124 30 Q146 30 146 52 L147 88 Q100 100 53 88 Z" fill="${a}"/>
    <rect x="70" y="82" width="9" height="24" rx="2" fill="${d}"/>
    <rect x="121" y="82" width="9" height="24" rx="2" fill="${d}"/>
    <rect x="68" y="122" width="64" height="48" rx="10" fill="none" stroke="${d}" stroke-width="4" opacity="0.8"/>`,
  cap: ({ f, a, d }) => `
    <path d="M22 128 Q22 52 96 52 Q166 52 166 128 Z" fill="${f}"/>
    <path d="M120 126 L188 126 Q200 130 192 140 Q182 150 150 146 L120 140 Z" fill="${a}"/>
    <circle cx="96" cy="53" r="7" fill="${a}"/>
    <path d="M96 58 L96 126 M58 64 Q48 94 54 126 M134 64 Q144 94 140 126" stroke="${d}" stroke-width="3" fill="none" opacity="0.6"/>
    <circle cx="76" cy="82" r="3" fill="${d}" opacity="0.7"/>`,
  beanie: ({ f, a }) => `
    <circle cx="100" cy="40" r="22" fill="${a}"/>
    <path d="M38 140 Q38 58 100 58 Q162 58 162 140 Z" fill="${f}"/>
    <rect x="32" y="126" width="136" height="46" rx="12" fill="${a}"/>
    ${[48, 62, 76, 90, 104, 118, 132, 146].map((x) => `<path d="M${x + 2} 134 L${x + 2} 164" stroke="${f}" stroke-width="3" opacity="0.35"/>`).join("")}
    ${[60, 80, 100, 120, 140].map((x) => `<path d="M${x} 68 L${x} 120" stroke="${a}" stroke-width="3" opacity="0.35"/>`).join("")}`,
  plaid: ({ f, a, d }) => `
    <rect x="36" y="34" width="128" height="136" rx="8" fill="${f}"/>
    <rect x="36" y="62" width="128" height="16" fill="${a}" opacity="0.7"/>
    <rect x="36" y="118" width="128" height="16" fill="${a}" opacity="0.7"/>
    <rect x="72" y="34" width="16" height="136" fill="${a}" opacity="0.55"/>
    <rect x="124" y="34" width="16" height="136" fill="${a}" opacity="0.55"/>
    <path d="M36 96 L164 96 M104 34 L104 170" stroke="${d}" stroke-width="2" opacity="0.6"/>
    ${Array.from({ length: 16 }, (_, i) => `<path d="M${42 + i * 8} 170 L${42 + i * 8} 186" stroke="${f}" stroke-width="3" ${round}/>`).join("")}`,
  sleepingbag: ({ f, a, d }) => `
    <path d="M64 26 Q100 6 136 26 L154 160 Q100 200 46 160 Z" fill="${f}"/>
    <ellipse cx="100" cy="44" rx="26" ry="18" fill="${a}"/>
    ${[76, 100, 124, 148].map((y) => `<path d="M${56 - (y - 76) / 10} ${y} Q100 ${y + 12} ${144 + (y - 76) / 10} ${y}" stroke="${d}" stroke-width="2.5" fill="none" opacity="0.5"/>`).join("")}
    <path d="M126 62 L146 164" stroke="${d}" stroke-width="3" opacity="0.8"/>`,
  belt: ({ f, a, d }) => `
    <rect x="8" y="84" width="184" height="32" rx="6" fill="${f}"/>
    <path d="M84 90 L186 90 M84 110 L186 110" stroke="${d}" stroke-width="2" stroke-dasharray="6 4" opacity="0.7"/>
    <rect x="34" y="72" width="42" height="56" rx="9" fill="none" stroke="${a}" stroke-width="8"/>
    <path d="M55 100 L86 100" stroke="${a}" stroke-width="5" ${round}/>
    ${[120, 138, 156].map((x) => `<circle cx="${x}" cy="100" r="4" fill="${d}"/>`).join("")}`,
  wallet: ({ f, a, d }) => `
    <rect x="56" y="32" width="92" height="62" rx="7" fill="${a}" transform="rotate(-8 102 63)"/>
    <rect x="36" y="66" width="128" height="94" rx="12" fill="${f}"/>
    <rect x="44" y="74" width="112" height="78" rx="8" fill="none" stroke="${d}" stroke-width="2" stroke-dasharray="5 5" opacity="0.8"/>
    <path d="M36 100 Q100 112 164 100" stroke="${d}" stroke-width="2" fill="none" opacity="0.5"/>`,
  sunglasses: ({ f, s, d }) => `
    <path d="M30 96 L10 82 M170 96 L190 82" stroke="${f}" stroke-width="7" ${round}/>
    <circle cx="64" cy="108" r="38" fill="${f}"/>
    <circle cx="136" cy="108" r="38" fill="${f}"/>
    <circle cx="64" cy="108" r="29" fill="${s}"/>
    <circle cx="136" cy="108" r="29" fill="${s}"/>
    <path d="M94 96 Q100 86 106 96" stroke="${f}" stroke-width="8" fill="none" ${round}/>
    <path d="M48 94 Q56 86 66 86 M120 94 Q128 86 138 86" stroke="${d}" stroke-width="4" fill="none" opacity="0.7" ${round}/>`,
  mug: ({ f, a, d }) => `
    <path d="M72 46 Q64 34 72 22 Q80 10 72 0 M100 46 Q92 34 100 22 Q108 10 100 0" stroke="${a}" stroke-width="5" fill="none" ${round}/>
    <path d="M138 86 Q178 86 178 118 Q178 150 138 150" stroke="${f}" stroke-width="14" fill="none" ${round}/>
    <rect x="36" y="60" width="108" height="122" rx="14" fill="${f}"/>
    <rect x="36" y="60" width="108" height="14" rx="7" fill="${a}"/>
    ${[
      [58, 100],
      [84, 128],
      [118, 98],
      [66, 154],
      [112, 148],
      [96, 110],
    ]
      .map(([x, y]) => `<circle cx="${x}" cy="${y}" r="2.5" fill="${d}" opacity="0.55"/>`)
      .join("")}`,
  bowl: ({ f, a, s, d }) => `
    <rect x="70" y="160" width="60" height="16" rx="5" fill="${s}"/>
    <path d="M20 90 L180 90 Q176 166 100 168 Q24 166 20 90 Z" fill="${f}"/>
    <ellipse cx="100" cy="90" rx="80" ry="16" fill="${a}"/>
    <ellipse cx="100" cy="92" rx="66" ry="10" fill="${s}" opacity="0.35"/>
    <path d="M32 122 Q100 138 168 122" stroke="${d}" stroke-width="3" fill="none" opacity="0.5"/>`,
  candle: ({ f, s, d }) => `
    ${flame(100, 34)}
    <path d="M100 66 L100 84" stroke="${s}" stroke-width="3"/>
    <rect x="52" y="76" width="96" height="110" rx="16" fill="${f}"/>
    <ellipse cx="100" cy="86" rx="42" ry="8" fill="${d}" opacity="0.8"/>
    <rect x="68" y="116" width="64" height="44" rx="4" fill="${d}" opacity="0.9"/>
    <path d="M80 132 L120 132 M86 144 L114 144" stroke="${f}" stroke-width="3" ${round}/>`,
  tapers: ({ f, a, s }) => `
    ${flame(72, 22)}${flame(128, 6)}
    <path d="M72 54 L72 64 M128 38 L128 48" stroke="${s}" stroke-width="3"/>
    <rect x="62" y="62" width="20" height="116" rx="5" fill="${f}"/>
    <rect x="118" y="46" width="20" height="132" rx="5" fill="${f}"/>
    <ellipse cx="72" cy="180" rx="32" ry="9" fill="${a}"/>
    <ellipse cx="128" cy="180" rx="32" ry="9" fill="${a}"/>`,
  board: ({ f, a, s, d }) => `
    <rect x="130" y="94" width="64" height="30" rx="15" fill="${f}"/>
    <circle cx="178" cy="109" r="6" fill="${d}"/>
    <rect x="10" y="40" width="146" height="128" rx="28" fill="${f}"/>
    <path d="M28 70 Q80 56 138 76 M24 104 Q80 92 142 110 M30 138 Q86 126 136 144" stroke="${a}" stroke-width="3" fill="none" opacity="0.7" ${round}/>
    <ellipse cx="62" cy="96" rx="9" ry="12" fill="${s}" transform="rotate(-20 62 96)"/>
    <ellipse cx="84" cy="104" rx="9" ry="12" fill="${s}" transform="rotate(15 84 104)"/>
    <ellipse cx="70" cy="122" rx="9" ry="12" fill="${a}" transform="rotate(60 70 122)"/>
    <path d="M60 86 L64 84 M82 93 L86 92" stroke="${d}" stroke-width="2" opacity="0.6" ${round}/>`,
  mills: ({ f, a, s, d }) => [mill(66, f, a, d), mill(134, s, a, d)].join(""),
  plantpot: ({ f, a, s }) => `
    <path d="M100 74 Q68 44 76 10 Q108 34 100 74 Z M100 74 Q128 40 156 44 Q144 80 100 74 Z M100 74 Q70 66 46 80 Q76 96 100 74 Z" fill="${s}" opacity="0.75"/>
    <path d="M48 94 L152 94 L138 180 Q137 186 130 186 L70 186 Q63 186 62 180 Z" fill="${f}"/>
    <rect x="38" y="70" width="124" height="28" rx="6" fill="${a}"/>`,
  towels: ({ f, a, d }) => `
    <rect x="28" y="124" width="144" height="54" rx="14" fill="${f}"/>
    <rect x="36" y="80" width="128" height="48" rx="14" fill="${a}"/>
    <rect x="46" y="40" width="108" height="44" rx="14" fill="${f}"/>
    <path d="M46 66 L154 66 M36 112 L164 112 M28 160 L172 160" stroke="${d}" stroke-width="3" opacity="0.7"/>
    <rect x="92" y="30" width="16" height="14" rx="3" fill="${a}"/>`,
  bottle: ({ f, a, s, d }) => `
    <rect x="78" y="12" width="44" height="30" rx="7" fill="${a}"/>
    <rect x="86" y="40" width="28" height="14" fill="${s}"/>
    <path d="M72 52 L128 52 Q146 60 146 82 L146 172 Q146 186 132 186 L68 186 Q54 186 54 172 L54 82 Q54 60 72 52 Z" fill="${f}"/>
    <rect x="54" y="112" width="92" height="36" fill="${a}" opacity="0.45"/>
    <path d="M68 74 L68 168" stroke="${d}" stroke-width="5" opacity="0.45" ${round}/>`,
  carafe: ({ f, a, d }) => `
    <path d="M80 12 L120 12 L116 46 L84 46 Z" fill="${a}"/>
    <path d="M86 48 L114 48 L114 82 Q160 100 160 148 Q160 186 100 186 Q40 186 40 148 Q40 100 86 82 Z" fill="${f}"/>
    <path d="M46 128 Q100 140 154 128 L156 146 Q156 180 100 180 Q44 180 44 146 Z" fill="${a}" opacity="0.45"/>
    <path d="M58 112 Q52 130 54 150" stroke="${d}" stroke-width="5" fill="none" opacity="0.5" ${round}/>`,
  ink: ({ f, a, s, d }) => `
    <rect x="74" y="36" width="52" height="38" rx="7" fill="${s}"/>
    <rect x="42" y="72" width="116" height="108" rx="20" fill="${f}"/>
    <rect x="62" y="102" width="76" height="50" rx="5" fill="${d}"/>
    <path d="M100 112 Q112 128 108 136 Q100 146 92 136 Q88 128 100 112 Z" fill="${a}"/>`,
  notebook: ({ f, a, s, d }) => `
    <rect x="58" y="28" width="104" height="150" rx="8" fill="${d}"/>
    <path d="M90 170 L90 194 L96 187 L102 194 L102 170 Z" fill="${a}"/>
    <rect x="46" y="22" width="106" height="152" rx="8" fill="${f}"/>
    <rect x="46" y="22" width="16" height="152" rx="6" fill="${s}" opacity="0.35"/>
    <rect x="130" y="22" width="8" height="152" fill="${a}"/>
    <rect x="76" y="54" width="42" height="24" rx="3" fill="${d}" opacity="0.85"/>`,
  pen: ({ f, a, s }) => `
    <g transform="rotate(35 100 100)">
      <rect x="89" y="14" width="22" height="136" rx="11" fill="${f}"/>
      <rect x="111" y="24" width="6" height="58" rx="3" fill="${a}"/>
      <rect x="89" y="84" width="22" height="7" fill="${a}"/>
      <path d="M91 148 L109 148 L104 176 L96 176 Z" fill="${a}"/>
      <path d="M96 176 L104 176 L100 188 Z" fill="${s}"/>
    </g>`,
  pencils: ({ f, a, s, d }) =>
    [-22, 0, 22]
      .map(
        (r, i) => `
    <g transform="rotate(${r} 100 188)">
      <path d="M90 ${50 + i * 8} L100 ${22 + i * 8} L110 ${50 + i * 8} Z" fill="${d}"/>
      <path d="M96.5 ${32 + i * 8} L100 ${22 + i * 8} L103.5 ${32 + i * 8} Z" fill="${s}"/>
      <rect x="90" y="${50 + i * 8}" width="20" height="${124 - i * 8}" fill="${i === 1 ? a : f}"/>
      <rect x="90" y="172" width="20" height="8" fill="${d}" opacity="0.8"/>
      <rect x="90" y="180" width="20" height="10" rx="3" fill="${a}"/>
    </g>`,
      )
      .join(""),
  card: ({ f, a, d }) => `
    <rect x="50" y="26" width="100" height="120" rx="4" fill="${d}" transform="rotate(-6 100 86)"/>
    <path d="M78 66 Q100 46 122 66 Q100 96 78 66 Z" fill="${a}" transform="rotate(-6 100 86)"/>
    <rect x="26" y="84" width="148" height="96" rx="8" fill="${f}"/>
    <path d="M26 90 L100 140 L174 90" stroke="${d}" stroke-width="4" fill="none" opacity="0.8" ${round}/>
    <rect x="144" y="96" width="20" height="24" rx="2" fill="${a}"/>`,
  tape: ({ f, a, d }) => `
    <circle cx="142" cy="62" r="40" fill="${a}"/>
    <circle cx="142" cy="62" r="18" fill="${d}"/>
    <path d="M86 158 L186 158 L182 166 L186 174 L182 182 L186 190 L86 190 Z" fill="${f}" opacity="0.85"/>
    <circle cx="86" cy="112" r="72" fill="${f}"/>
    <circle cx="86" cy="112" r="62" fill="none" stroke="${a}" stroke-width="4" stroke-dasharray="10 8" opacity="0.7"/>
    <circle cx="86" cy="112" r="34" fill="${d}"/>`,
  coffee: ({ f, a, s, d }) => `
    <path d="M44 46 L156 46 L166 184 Q166 188 162 188 L38 188 Q34 188 34 184 Z" fill="${f}"/>
    <rect x="40" y="24" width="120" height="28" rx="4" fill="${a}"/>
    ${Array.from({ length: 11 }, (_, i) => `<path d="M${50 + i * 10} 28 L${50 + i * 10} 48" stroke="${s}" stroke-width="2" opacity="0.3"/>`).join("")}
    <circle cx="100" cy="124" r="44" fill="${d}"/>
    <g transform="rotate(-25 100 124)">
      <ellipse cx="100" cy="124" rx="22" ry="31" fill="${f}"/>
      <path d="M98 95 Q110 124 98 153" stroke="${d}" stroke-width="5" fill="none" ${round}/>
    </g>`,
  teatin: ({ f, a, d }) => `
    <rect x="52" y="28" width="96" height="32" rx="7" fill="${a}"/>
    <rect x="56" y="56" width="88" height="130" rx="8" fill="${f}"/>
    <rect x="56" y="92" width="88" height="62" fill="${d}"/>
    <path d="M82 144 Q78 108 118 100 Q124 136 82 144 Z" fill="${a}"/>
    <path d="M84 142 Q100 122 116 103" stroke="${d}" stroke-width="2.5" fill="none" ${round}/>`,
  polish: ({ f, a, d }) => `
    <path d="M120 40 L176 22 Q186 20 188 30 L190 40 L126 62 Z" fill="${a}"/>
    ${[136, 148, 160, 172].map((x) => `<path d="M${x} 58 L${x - 4} 70" stroke="${a}" stroke-width="3" ${round}/>`).join("")}
    <ellipse cx="92" cy="150" rx="74" ry="22" fill="${f}"/>
    <rect x="18" y="112" width="148" height="38" fill="${f}"/>
    <ellipse cx="92" cy="112" rx="74" ry="22" fill="${a}"/>
    <ellipse cx="92" cy="112" rx="40" ry="11" fill="${d}" opacity="0.7"/>`,
  teapot: ({ f, a, s }) => `
    <path d="M50 84 Q100 26 150 84" stroke="${s}" stroke-width="7" fill="none" ${round}/>
    <path d="M152 116 Q178 108 188 82 L196 88 Q192 124 158 146 Z" fill="${f}"/>
    <ellipse cx="100" cy="130" rx="66" ry="54" fill="${f}"/>
    <ellipse cx="100" cy="82" rx="32" ry="10" fill="${a}"/>
    <circle cx="100" cy="70" r="8" fill="${a}"/>
    ${[0, 1, 2]
      .flatMap((r) =>
        [0, 1, 2, 3, 4].map(
          (c) => `<circle cx="${60 + c * 20}" cy="${112 + r * 20}" r="3.5" fill="${a}" opacity="0.55"/>`,
        ),
      )
      .join("")}`,
  dripper: ({ f, a, s, d }) => `
    <path d="M142 150 Q162 150 162 164 Q162 178 142 178" stroke="${a}" stroke-width="7" fill="none"/>
    <rect x="56" y="140" width="90" height="48" rx="10" fill="${a}"/>
    <rect x="38" y="124" width="124" height="16" rx="6" fill="${s}"/>
    <path d="M30 52 L170 52 L126 128 L74 128 Z" fill="${f}"/>
    <rect x="24" y="42" width="152" height="16" rx="8" fill="${a}"/>
    <path d="M70 64 L88 120 M100 64 L100 120 M130 64 L112 120" stroke="${d}" stroke-width="3" opacity="0.5" ${round}/>`,
  grinder: ({ f, a, s, d }) => `
    <path d="M100 44 L164 26" stroke="${s}" stroke-width="7" ${round}/>
    <circle cx="166" cy="25" r="11" fill="${a}"/>
    <rect x="95" y="36" width="10" height="22" fill="${s}"/>
    <rect x="60" y="54" width="80" height="22" rx="7" fill="${a}"/>
    <rect x="66" y="74" width="68" height="104" rx="12" fill="${f}"/>
    <path d="M66 100 L134 100 M66 110 L134 110 M66 120 L134 120 M66 130 L134 130" stroke="${d}" stroke-width="2.5" opacity="0.5"/>
    <rect x="60" y="172" width="80" height="14" rx="6" fill="${a}"/>`,
  tent: ({ f, a, s }) => `
    <path d="M6 176 L194 176" stroke="${s}" stroke-width="4" opacity="0.35" ${round}/>
    <path d="M100 30 L100 12" stroke="${s}" stroke-width="5" ${round}/>
    <path d="M100 30 L186 172 L14 172 Z" fill="${f}"/>
    <path d="M100 74 L136 172 L100 172 Z" fill="${s}" opacity="0.8"/>
    <path d="M100 74 L70 172 L100 172 Z" fill="${a}"/>
    <path d="M14 172 L2 186 M186 172 L198 186" stroke="${s}" stroke-width="3" opacity="0.5" ${round}/>`,
  lantern: ({ f, d }) => `
    <path d="M74 42 Q100 4 126 42" stroke="${f}" stroke-width="7" fill="none" ${round}/>
    <path d="M66 42 L134 42 L148 64 L52 64 Z" fill="${f}"/>
    <rect x="62" y="62" width="76" height="90" rx="8" fill="${d}"/>
    <circle cx="100" cy="108" r="34" fill="#ffd36b" opacity="0.35"/>
    <circle cx="100" cy="108" r="20" fill="#ffc94a"/>
    <path d="M62 70 L62 146 M138 70 L138 146 M100 62 L100 84 M100 132 L100 152" stroke="${f}" stroke-width="6"/>
    <rect x="52" y="150" width="96" height="30" rx="7" fill="${f}"/>`,
  stool: ({ f, a }) => `
    <path d="M42 60 L152 186 M158 60 L48 186 M100 84 L100 188" stroke="${f}" stroke-width="11" ${round}/>
    <path d="M26 46 Q100 78 174 46 L174 60 Q100 96 26 60 Z" fill="${a}"/>`,
  poles: ({ f, a, s }) => `
    <path d="M72 48 L96 188 M128 48 L104 188" stroke="${s}" stroke-width="6" ${round}/>
    <g transform="rotate(-10 70 36)"><rect x="60" y="10" width="20" height="50" rx="9" fill="${f}"/></g>
    <g transform="rotate(10 130 36)"><rect x="120" y="10" width="20" height="50" rx="9" fill="${f}"/></g>
    <path d="M62 16 Q48 40 64 60 M138 16 Q152 40 136 60" stroke="${a}" stroke-width="4" fill="none" ${round}/>
    <ellipse cx="93" cy="170" rx="14" ry="4" fill="${a}"/>
    <ellipse cx="107" cy="170" rx="14" ry="4" fill="${a}"/>`,
  spork: ({ f, d }) => `
    <g transform="rotate(30 100 100)">
      <rect x="91" y="80" width="18" height="116" rx="9" fill="${f}"/>
      <ellipse cx="100" cy="54" rx="32" ry="42" fill="${f}"/>
      <path d="M88 12 L88 34 M100 10 L100 34 M112 12 L112 34" stroke="${d}" stroke-width="5" ${round}/>
      <ellipse cx="90" cy="64" rx="8" ry="16" fill="${d}" opacity="0.4"/>
    </g>`,
} satisfies Record<string, Glyph>;

type GlyphName = keyof typeof glyphs;

function longBody(fill: string): string {
  return `<path d="M70 28 L46 36 Q30 42 26 60 L12 162 L36 166 L52 86 L52 180 L148 180 L148 86 L164 166 L188 162 L174 60 Q170 42 154 36 L130 28 Q100 52 70 28 Z" fill="${fill}"/>`;
}

function flame(x: number, y: number): string {
  return `<path d="M${x} ${y} Q${x + 16} ${y + 22} ${x + 8} ${y + 34} Q${x} ${y + 42} ${x - 8} ${y + 34} Q${x - 16} ${y + 22} ${x} ${y} Z" fill="#f5a623"/>
    <path d="M${x} ${y + 16} Q${x + 6} ${y + 28} ${x} ${y + 34} Q${x - 6} ${y + 28} ${x} ${y + 16} Z" fill="#ffe08a"/>`;
}

function mill(cx: number, body: string, accent: string, detail: string): string {
  return `
    <circle cx="${cx}" cy="26" r="10" fill="${accent}"/>
    <rect x="${cx - 22}" y="34" width="44" height="36" rx="12" fill="${body}"/>
    <rect x="${cx - 26}" y="70" width="52" height="9" rx="3" fill="${accent}"/>
    <path d="M${cx - 22} 79 L${cx + 22} 79 Q${cx + 14} 104 ${cx + 26} 130 L${cx + 26} 170 Q${cx + 26} 184 ${cx + 12} 184 L${cx - 12} 184 Q${cx - 26} 184 ${cx - 26} 170 L${cx - 26} 130 Q${cx - 14} 104 ${cx - 22} 79 Z" fill="${body}"/>
    <path d="M${cx - 14} 136 L${cx - 14} 172" stroke="${detail}" stroke-width="4" opacity="0.4" ${round}/>`;
}

/** Which glyph a product gets: first slug pattern that matches, else its category's. */
const glyphRules: [RegExp, GlyphName][] = [
  [/tank|-tee$/, "tee"],
  [/hoodie/, "hoodie"],
  [/jacket/, "jacket"],
  [/shirt$/, "shirt"],
  [/breton/, "breton"],
  [/sweater/, "longsleeve"],
  [/shorts/, "shorts"],
  [/skirt/, "skirt"],
  [/boots/, "boot"],
  [/socks/, "sock"],
  [/care-kit/, "polish"],
  [/backpack/, "backpack"],
  [/card-holder/, "wallet"],
  [/belt/, "belt"],
  [/beanie/, "beanie"],
  [/cap$/, "cap"],
  [/scarf|blanket/, "plaid"],
  [/sunglasses/, "sunglasses"],
  [/mug/, "mug"],
  [/bowl/, "bowl"],
  [/taper/, "tapers"],
  [/candle/, "candle"],
  [/board/, "board"],
  [/mill/, "mills"],
  [/plant-pot/, "plantpot"],
  [/towel/, "towels"],
  [/carafe/, "carafe"],
  [/bottle/, "bottle"],
  [/ink/, "ink"],
  [/pencils/, "pencils"],
  [/(^|-)pen(-|$)/, "pen"],
  [/greeting-card/, "card"],
  [/tape/, "tape"],
  [/teapot/, "teapot"],
  [/tea|chamomile|earl-grey/, "teatin"],
  [/dripper/, "dripper"],
  [/grinder/, "grinder"],
  [/sleeping-bag/, "sleepingbag"],
  [/lantern/, "lantern"],
  [/stool/, "stool"],
  [/poles/, "poles"],
  [/spork/, "spork"],
];

const categoryGlyph: Record<string, GlyphName> = {
  tops: "tee",
  bottoms: "trousers",
  footwear: "sneaker",
  "bags-accessories": "tote",
  "home-kitchen": "mug",
  stationery: "notebook",
  "coffee-tea": "coffee",
  outdoor: "tent",
};

function glyphFor(slug: string, category: string): GlyphName {
  for (const [pattern, glyph] of glyphRules) if (pattern.test(slug)) return glyph;
  return categoryGlyph[category] ?? "tote";
}

export function escapeXml(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&apos;");
}

function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** HSL (h in degrees, s and l in percent) as #rrggbb, so any SVG renderer understands it. */
function hsl(h: number, s: number, l: number): string {
  const sat = s / 100;
  const lig = l / 100;
  const k = (n: number) => (n + h / 30) % 12;
  const a = sat * Math.min(lig, 1 - lig);
  const channel = (n: number) => {
    const c = lig - a * Math.max(-1, Math.min(k(n) - 3, 9 - k(n), 1));
    return Math.round(c * 255)
      .toString(16)
      .padStart(2, "0");
  };
  return `#${channel(0)}${channel(8)}${channel(4)}`;
}

/** Greedy word wrap into at most two lines of about `width` characters. */
function wrap(title: string, width: number): string[] {
  if (title.length <= width + 2) return [title];
  const lines: string[] = [""];
  for (const word of title.split(" ")) {
    const last = lines[lines.length - 1] ?? "";
    if (last && `${last} ${word}`.length > width && lines.length < 2) lines.push(word);
    else lines[lines.length - 1] = last ? `${last} ${word}` : word;
  }
  return lines;
}

const FONT = "'Inter', 'Helvetica Neue', Helvetica, Arial, 'DejaVu Sans', sans-serif";

const bySlug = new Map(seedProducts.map((p) => [p.slug ?? "", p]));
const categoryName = new Map(seedCategories.map((c) => [c.slug, c.name]));

/** The SVG picture of a seeded product, or null for a slug not in the seed catalog. */
export function productImageSvg(slug: string): string | null {
  const product = bySlug.get(slug);
  if (!product) return null;
  const h = hash(slug) % 360;
  const palette: Palette = { f: hsl(h, 32, 34), a: hsl(h, 40, 60), s: hsl(h, 36, 20), d: hsl(h, 55, 95) };
  const glyph = glyphs[glyphFor(slug, product.category)](palette);
  const lines = wrap(product.title, 22);
  const size = lines.length > 1 ? 42 : 48;
  const firstY = lines.length > 1 ? 668 : 690;
  const title = lines
    .map((line, i) => `<tspan x="400" y="${firstY + i * 54}">${escapeXml(line)}</tspan>`)
    .join("");
  const label = escapeXml((categoryName.get(product.category) ?? product.category).toUpperCase());
  const id = `g${hash(`${slug}:bg`).toString(36)}`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="800" height="800" viewBox="0 0 800 800" role="img" aria-label="${escapeXml(product.title)}">
  <defs>
    <linearGradient id="${id}" x1="0" y1="0" x2="1" y2="1">
      <stop offset="0" stop-color="${hsl(h, 62, 91)}"/>
      <stop offset="1" stop-color="${hsl((h + 28) % 360, 48, 80)}"/>
    </linearGradient>
    <radialGradient id="${id}h" cx="0.5" cy="0.5" r="0.5">
      <stop offset="0" stop-color="#ffffff" stop-opacity="0.7"/>
      <stop offset="1" stop-color="#ffffff" stop-opacity="0"/>
    </radialGradient>
  </defs>
  <rect width="800" height="800" fill="url(#${id})"/>
  <circle cx="400" cy="310" r="290" fill="url(#${id}h)"/>
  <ellipse cx="400" cy="532" rx="190" ry="18" fill="${palette.s}" opacity="0.12"/>
  <g transform="translate(190 100) scale(2.1)">${glyph}
  </g>
  <text x="400" y="${lines.length > 1 ? 600 : 612}" text-anchor="middle" font-family="${FONT}" font-size="20" font-weight="600" letter-spacing="4" fill="${hsl(h, 28, 42)}">${label}</text>
  <text text-anchor="middle" font-family="${FONT}" font-size="${size}" font-weight="600" fill="${hsl(h, 34, 18)}">${title}</text>
</svg>`;
}
