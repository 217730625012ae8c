using System.Globalization;
using System.Text;

namespace SyncTools.Mongo.Authentication;

/// <summary>
/// SASLprep (RFC 4013, a stringprep profile, RFC 3454) for SCRAM-SHA-256 user names and passwords: map non-ASCII
/// spaces to a space and "commonly mapped to nothing" characters to nothing, normalize NFKC, then refuse prohibited
/// and unassigned code points and mixed-direction text. Errors name the rule and position, never the text.
/// </summary>
/// <remarks>Unassigned code points are judged by .NET's Unicode tables, which are newer than stringprep's Unicode 3.2.</remarks>
internal static class SaslPrep
{
    // RFC 3454 C.1.2: non-ASCII space characters.
    private static readonly (int First, int Last)[] NonAsciiSpace =
        [(0x00A0, 0x00A0), (0x1680, 0x1680), (0x2000, 0x200B), (0x202F, 0x202F), (0x205F, 0x205F), (0x3000, 0x3000)];

    // RFC 3454 B.1: commonly mapped to nothing.
    private static readonly (int First, int Last)[] MappedToNothing =
        [(0x00AD, 0x00AD), (0x034F, 0x034F), (0x1806, 0x1806), (0x180B, 0x180D), (0x200B, 0x200D), (0x2060, 0x2060), (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF)];

    // RFC 3454 C.2.1, C.2.2, C.3, C.4, C.5, C.6, C.7, C.8, C.9 (C.1.2 is mapped away before this check).
    private static readonly (int First, int Last, string Rule)[] Prohibited =
    [
        (0x0000, 0x001F, "an ASCII control character"), (0x007F, 0x007F, "an ASCII control character"),
        (0x0080, 0x009F, "a control character"), (0x06DD, 0x06DD, "a control character"), (0x070F, 0x070F, "a control character"),
        (0x180E, 0x180E, "a control character"), (0x200C, 0x200D, "a control character"), (0x2028, 0x2029, "a control character"),
        (0x2060, 0x2063, "a control character"), (0x206A, 0x206F, "a control character"), (0xFEFF, 0xFEFF, "a control character"),
        (0xFFF9, 0xFFFC, "a control character"), (0x1D173, 0x1D17A, "a control character"),
        (0xE000, 0xF8FF, "a private-use character"), (0xF0000, 0xFFFFD, "a private-use character"), (0x100000, 0x10FFFD, "a private-use character"),
        (0xFDD0, 0xFDEF, "a non-character"), (0xFFFE, 0xFFFF, "a non-character"),
        (0xFFF9, 0xFFFD, "a character inappropriate for plain text"),
        (0x2FF0, 0x2FFB, "an ideographic description character"),
        (0x0340, 0x0341, "a display-changing character"), (0x200E, 0x200F, "a display-changing character"), (0x202A, 0x202E, "a display-changing character"),
        (0xE0001, 0xE0001, "a tagging character"), (0xE0020, 0xE007F, "a tagging character"),
    ];

    // RFC 3454 D.1: characters with bidirectional property R or AL (Hebrew, Arabic, Syriac, Thaana, N'Ko and their presentation forms).
    private static readonly (int First, int Last)[] RandAL =
        [(0x05BE, 0x05BE), (0x05C0, 0x05C0), (0x05C3, 0x05C3), (0x05D0, 0x05F4), (0x061B, 0x064A), (0x066D, 0x066F), (0x0671, 0x06D5),
         (0x06DD, 0x06DD), (0x06E5, 0x06E6), (0x06FA, 0x06FE), (0x0700, 0x070D), (0x0710, 0x0710), (0x0712, 0x072C), (0x0780, 0x07A5),
         (0x07B1, 0x07B1), (0x200F, 0x200F), (0xFB1D, 0xFB1D), (0xFB1F, 0xFB28), (0xFB2A, 0xFB4F), (0xFB50, 0xFD3D), (0xFD50, 0xFDFC),
         (0xFE70, 0xFEFC)];

    public static string Prepare(string value)
    {
        var mapped = new StringBuilder(value.Length);
        var position = 0;
        foreach (var rune in Runes(value))
        {
            position++;
            // B.1 first: U+200B is in both tables, and "mapped to nothing" wins.
            if (In(MappedToNothing, rune)) continue;
            if (rune is >= 0xD800 and <= 0xDFFF) throw new ArgumentException($"SASLprep: character {position} is a lone surrogate, which is prohibited.");
            if (In(NonAsciiSpace, rune)) mapped.Append(' ');
            else mapped.Append(char.ConvertFromUtf32(rune));
        }

        var normalized = mapped.ToString().Normalize(NormalizationForm.FormKC);
        position = 0;
        bool hasRandAL = false, hasL = false, firstRandAL = false, lastRandAL = false;
        foreach (var rune in Runes(normalized))
        {
            foreach (var (first, last, rule) in Prohibited)
            {
                if (rune >= first && rune <= last) throw new ArgumentException($"SASLprep: character {position + 1} is {rule}, which is prohibited.");
            }

            if (CharUnicodeInfo.GetUnicodeCategory(rune) == UnicodeCategory.OtherNotAssigned)
            {
                throw new ArgumentException($"SASLprep: character {position + 1} is an unassigned code point, which is prohibited.");
            }

            var randAL = In(RandAL, rune);
            hasRandAL |= randAL;
            hasL |= !randAL && IsLetter(rune);
            if (position == 0) firstRandAL = randAL;
            lastRandAL = randAL;
            position++;
        }

        if (hasRandAL && (hasL || !firstRandAL || !lastRandAL))
        {
            throw new ArgumentException("SASLprep: the text mixes right-to-left and left-to-right characters, or does not start and end with a right-to-left one.");
        }

        return normalized;
    }

    private static IEnumerable<int> Runes(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            if (char.IsHighSurrogate(value[i]) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                yield return char.ConvertToUtf32(value[i], value[++i]);
            }
            else
            {
                yield return value[i]; // a lone surrogate stays itself, to be refused
            }
        }
    }

    private static bool In((int First, int Last)[] ranges, int rune) => ranges.Any(r => rune >= r.First && rune <= r.Last);

    private static bool IsLetter(int rune) => CharUnicodeInfo.GetUnicodeCategory(rune) is
        UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter or
        UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter;
}
