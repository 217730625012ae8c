using System.Collections;
using System.Reflection;
using System.Runtime.CompilerServices;
using MySql.Data.MySqlClient;

namespace SyncTools.Core.MySql;

/// <summary>
/// MySql.Data 8.0.16 predates the charset name "utf8mb3" that MariaDB 10.6+ and MySQL 8.0.30+ report for utf8
/// columns (and in the warnings it reads back), and fails on it with KeyNotFoundException. This teaches the
/// driver's private charset map that name, once per process. It goes with the driver when the seam swaps it.
/// </summary>
internal static class MySqlDataCompat
{
    private static readonly Lazy<bool> Applied = new(Apply);

    public static void EnsureApplied() => _ = Applied.Value;

    private static bool Apply()
    {
        var map = typeof(MySqlConnection).Assembly.GetType("MySql.Data.MySqlClient.CharSetMap", throwOnError: true)!;
        RuntimeHelpers.RunClassConstructor(map.TypeHandle);
        var field = map.GetField("_mapping", BindingFlags.Static | BindingFlags.NonPublic)
            ?? throw new InvalidOperationException("MySql.Data's CharSetMap has changed: the utf8mb3 fix no longer applies.");
        if (field.GetValue(null) is null)
        {
            map.GetMethod("InitializeMapping", BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public)!.Invoke(null, null);
        }

        var mapping = (IDictionary)field.GetValue(null)!;
        if (!mapping.Contains("utf8mb3")) mapping["utf8mb3"] = mapping["utf8"];
        return true;
    }
}
