using System.Globalization;
using System.Numerics;
using System.Text.RegularExpressions;

namespace SyncTools.Mongo.Bson;

/// <summary>
/// An IEEE 754-2008 128-bit decimal in binary integer decimal (BID) encoding, as BSON stores it:
/// up to 34 significant digits, exponents from -6176 to 6111. Converts exactly from any .NET decimal.
/// </summary>
public readonly partial struct Decimal128 : IEquatable<Decimal128>
{
    public const int MaxDigits = 34;
    public const int MinExponent = -6176;
    public const int MaxExponent = 6111;
    private const int ExponentBias = 6176;
    private const ulong SignBit = 1UL << 63;
    private const ulong InfinityBits = 0x7800_0000_0000_0000;
    private const ulong NaNBits = 0x7C00_0000_0000_0000;
    private static readonly BigInteger MaxCoefficient = BigInteger.Pow(10, MaxDigits) - 1;

    public Decimal128(ulong high, ulong low)
    {
        High = high;
        Low = low;
    }

    /// <summary>Exactly the given decimal, keeping its scale (1.50m stays 1.50).</summary>
    public Decimal128(decimal value)
    {
        Span<int> bits = stackalloc int[4];
        decimal.GetBits(value, bits);
        var coefficient = ((BigInteger)(uint)bits[2] << 64) | ((BigInteger)(uint)bits[1] << 32) | (uint)bits[0];
        var scale = (bits[3] >> 16) & 0xFF;
        this = FromParts(bits[3] < 0, coefficient, -scale);
    }

    public ulong High { get; }

    public ulong Low { get; }

    public static Decimal128 NaN => new(NaNBits, 0);

    public static Decimal128 PositiveInfinity => new(InfinityBits, 0);

    public static Decimal128 NegativeInfinity => new(InfinityBits | SignBit, 0);

    public bool IsNaN => (High & NaNBits) == NaNBits;

    public bool IsInfinity => (High & NaNBits) == InfinityBits;

    public bool IsNegative => (High & SignBit) != 0;

    /// <summary>Builds a finite value from a sign, a coefficient of at most 34 digits and an exponent.</summary>
    /// <exception cref="OverflowException">The coefficient or exponent does not fit.</exception>
    public static Decimal128 FromParts(bool negative, BigInteger coefficient, int exponent)
    {
        // Clamp as the spec allows: shed trailing zeros for a small exponent, add them for a large one.
        while (exponent < MinExponent && !coefficient.IsZero && coefficient % 10 == 0) { coefficient /= 10; exponent++; }
        while (exponent > MaxExponent && !coefficient.IsZero && coefficient * 10 <= MaxCoefficient) { coefficient *= 10; exponent--; }
        if (coefficient.IsZero) exponent = Math.Clamp(exponent, MinExponent, MaxExponent);
        if (coefficient.Sign < 0 || coefficient > MaxCoefficient || exponent is < MinExponent or > MaxExponent)
        {
            throw new OverflowException($"{(negative ? "-" : "")}{coefficient}E{exponent} does not fit in a Decimal128 (34 digits, exponent {MinExponent} to {MaxExponent}).");
        }

        var high = (ulong)(coefficient >> 64) | ((ulong)(exponent + ExponentBias) << 49) | (negative ? SignBit : 0);
        return new Decimal128(high, (ulong)(coefficient & ulong.MaxValue));
    }

    /// <exception cref="FormatException">Not a number, or more than 34 significant digits.</exception>
    public static Decimal128 Parse(string text) =>
        TryParse(text, out var value) ? value : throw new FormatException($"'{text}' is not a Decimal128: a number of at most 34 significant digits was expected.");

    public static bool TryParse(string text, out Decimal128 value)
    {
        value = default;
        var trimmed = text.Trim();
        var negative = trimmed.StartsWith('-');
        var unsigned = trimmed.TrimStart('+', '-');
        if (trimmed.Length - unsigned.Length > 1) return false;
        if (unsigned.Equals("NaN", StringComparison.OrdinalIgnoreCase)) { value = NaN; return true; }
        if (unsigned.Equals("Inf", StringComparison.OrdinalIgnoreCase) || unsigned.Equals("Infinity", StringComparison.OrdinalIgnoreCase))
        {
            value = negative ? NegativeInfinity : PositiveInfinity;
            return true;
        }

        var match = NumberPattern().Match(unsigned);
        if (!match.Success || match.Groups["int"].Length + match.Groups["frac"].Length == 0) return false;
        var digits = (match.Groups["int"].Value + match.Groups["frac"].Value).TrimStart('0');
        var exponent = -match.Groups["frac"].Length;
        if (match.Groups["exp"].Success)
        {
            if (!int.TryParse(match.Groups["exp"].Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var e) || Math.Abs((long)e) > 100_000) return false;
            exponent += e;
        }

        // Trailing zeros beyond 34 digits are exact: move them into the exponent.
        while (digits.Length > MaxDigits && digits.EndsWith('0')) { digits = digits[..^1]; exponent++; }
        if (digits.Length > MaxDigits) return false;
        try
        {
            value = FromParts(negative, digits.Length == 0 ? BigInteger.Zero : BigInteger.Parse(digits, CultureInfo.InvariantCulture), exponent);
            return true;
        }
        catch (OverflowException)
        {
            return false;
        }
    }

    /// <summary>The value as a .NET decimal, rounded to 28 decimal places if it has more.</summary>
    /// <exception cref="OverflowException">NaN, infinity, or beyond decimal's range.</exception>
    public decimal ToDecimal()
    {
        if (IsNaN || IsInfinity) throw new OverflowException($"{this} has no decimal value.");
        var (coefficient, exponent) = Parts();
        for (; exponent > 0; exponent--) coefficient *= 10;
        var scale = -exponent;
        var max = (BigInteger.One << 96) - 1;
        while (scale > 0 && (scale > 28 || coefficient > max))
        {
            coefficient = BigInteger.Divide(coefficient + 5, 10);
            scale--;
        }

        if (coefficient > max) throw new OverflowException($"{this} is beyond the range of a .NET decimal.");
        var bytes = new byte[12];
        coefficient.TryWriteBytes(bytes, out _, isUnsigned: true);
        return new decimal(BitConverter.ToInt32(bytes, 0), BitConverter.ToInt32(bytes, 4), BitConverter.ToInt32(bytes, 8), IsNegative, (byte)scale);
    }

    public double ToDouble() => IsNaN ? double.NaN
        : IsInfinity ? (IsNegative ? double.NegativeInfinity : double.PositiveInfinity)
        : double.Parse(ToString(), CultureInfo.InvariantCulture);

    /// <summary>The spec's string form: plain for exponents that allow it, else scientific ("1.23E+40").</summary>
    public override string ToString()
    {
        if (IsNaN) return "NaN";
        if (IsInfinity) return IsNegative ? "-Infinity" : "Infinity";
        var (coefficient, exponent) = Parts();
        var digits = coefficient.ToString(CultureInfo.InvariantCulture);
        var adjusted = exponent + digits.Length - 1;
        string text;
        if (exponent <= 0 && adjusted >= -6)
        {
            var point = digits.Length + exponent;
            text = exponent == 0 ? digits
                : point > 0 ? $"{digits[..point]}.{digits[point..]}"
                : $"0.{new string('0', -point)}{digits}";
        }
        else
        {
            var mantissa = digits.Length > 1 ? $"{digits[0]}.{digits[1..]}" : digits;
            text = $"{mantissa}E{(adjusted >= 0 ? "+" : "")}{adjusted}";
        }

        return IsNegative ? "-" + text : text;
    }

    public bool Equals(Decimal128 other) => High == other.High && Low == other.Low;

    public override bool Equals(object? obj) => obj is Decimal128 other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(High, Low);

    public static bool operator ==(Decimal128 left, Decimal128 right) => left.Equals(right);

    public static bool operator !=(Decimal128 left, Decimal128 right) => !left.Equals(right);

    private (BigInteger Coefficient, int Exponent) Parts()
    {
        if ((High & 0x6000_0000_0000_0000) == 0x6000_0000_0000_0000)
        {
            // The "11" combination form encodes a coefficient of 2^113 or more: over 34 digits, so zero by the spec.
            return (BigInteger.Zero, (int)((High >> 47) & 0x3FFF) - ExponentBias);
        }

        var coefficient = ((BigInteger)(High & 0x1_FFFF_FFFF_FFFF) << 64) | Low;
        if (coefficient > MaxCoefficient) coefficient = BigInteger.Zero;
        return (coefficient, (int)((High >> 49) & 0x3FFF) - ExponentBias);
    }

    [GeneratedRegex(@"^(?<int>\d*)(?:\.(?<frac>\d*))?(?:[eE](?<exp>[+-]?\d+))?$")]
    private static partial Regex NumberPattern();
}
