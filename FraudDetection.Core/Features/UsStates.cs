namespace FraudDetection.Core.Features;

/// <summary>US state codes (50 + DC) to bit positions 0..50 of a per-card "states seen" mask; anything else is bit 63.</summary>
internal static class UsStates
{
    private static readonly string[] Codes =
    [
        "AK", "AL", "AR", "AZ", "CA", "CO", "CT", "DC", "DE", "FL", "GA", "HI", "IA", "ID", "IL", "IN", "KS", "KY",
        "LA", "MA", "MD", "ME", "MI", "MN", "MO", "MS", "MT", "NC", "ND", "NE", "NH", "NJ", "NM", "NV", "NY", "OH",
        "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VA", "VT", "WA", "WI", "WV", "WY",
    ];

    // 26 x 26 table indexed by the two upper-case letters: bit + 1, 0 when not a state.
    private static readonly byte[] Table = BuildTable();

    private static byte[] BuildTable()
    {
        var table = new byte[26 * 26];
        for (var i = 0; i < Codes.Length; i++) table[(Codes[i][0] - 'A') * 26 + Codes[i][1] - 'A'] = (byte)(i + 1);
        return table;
    }

    public static ulong BitOf(string state)
    {
        if (state.Length == 2)
        {
            int a = char.ToUpperInvariant(state[0]) - 'A', b = char.ToUpperInvariant(state[1]) - 'A';
            if ((uint)a < 26 && (uint)b < 26)
            {
                var code = Table[a * 26 + b];
                if (code != 0) return 1UL << (code - 1);
            }
        }
        return 1UL << 63;
    }
}
