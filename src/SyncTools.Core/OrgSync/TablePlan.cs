using System.Data;

namespace SyncTools.Core.OrgSync;

/// <summary>A source row's target values, or the reason it has none.</summary>
internal readonly record struct Mapped(object?[]? Values, string? Error);

/// <summary>
/// A source row turned into the target's values, or the reason it cannot be; with the key it was read by and the target
/// row's key it gives. Superseded: another row of the same target key is the one synced (neither values nor error then).
/// </summary>
internal readonly record struct MappedRow(SourceKey Key, object?[]? Values, string? Error, (long, long) TargetKey, bool Superseded = false);

/// <summary>
/// The key a source row is paged by (its table's primary or unique key), as messages name it: "id 5". A value, not an
/// object of its own: one is made for every row read. Two are equal when they are the same row's (the same values array).
/// </summary>
internal readonly record struct SourceKey(IReadOnlyList<string> Columns, object[] Values) : IComparable<SourceKey>
{
    public int CompareTo(SourceKey other) => Values.Zip(other.Values, Comparer<object>.Default.Compare).FirstOrDefault(c => c != 0);

    public override string ToString() => string.Join(", ", Columns.Zip(Values, (column, value) => $"{column} {value}"));
}

/// <summary>A target column whose value must exist as a key of a parent table the sync wrote first.</summary>
internal sealed record ParentKey(int Column, string Table, string KeyColumn);

/// <summary>
/// How one source table becomes one target table: the columns read, the source filter (and the columns it reads besides
/// those, <see cref="FilterColumns"/>, checked to exist but not read), the target columns (the first
/// <see cref="KeyColumns"/> are its key, read from the source columns <see cref="TargetKeySource"/>) and the row mapping.
/// The table is paged by its own primary key, whatever its columns (see <c>MySqlIdentifiers.PagingKeyAsync</c>).
/// The target's current rows for a batch are looked up by the indexed key column <see cref="LookupColumn"/> alone
/// (servers answer a one-column IN from an index several times faster than a row-constructor IN over two columns).
/// </summary>
internal sealed record TablePlan(
    OrgSyncTable Table,
    string SourceTable,
    string[] SourceColumns,
    string? Filter,
    string TargetTable,
    string[] TargetColumns,
    int KeyColumns,
    string[] TargetKeySource,
    Func<object[], Mapped> Map,
    ParentKey[] Parents,
    int LookupColumn = 0,
    string[]? FilterColumns = null)
{
    /// <summary>The source columns the table needs: those read and those only its filter reads.</summary>
    public IEnumerable<string> RequiredColumns => SourceColumns.Concat(FilterColumns ?? []);

    /// <summary>
    /// The SQL condition (over the source aliased s, with @since) that picks the rows changed since the mark; a link row
    /// also counts as changed when its user or institute did, so a membership skipped for a then-absent user follows it.
    /// </summary>
    public string ChangedSince(string quotedDatabase) => Table == OrgSyncTable.InstituteUsers
        ? $"(s.`updated_at` >= @since OR s.`user_id` IN (SELECT u.`id` FROM {quotedDatabase}.`users` u WHERE u.`updated_at` >= @since)" +
          $" OR s.`institute_id` IN (SELECT i.`id` FROM {quotedDatabase}.`institutes` i WHERE i.`updated_at` >= @since))"
        : "s.`updated_at` >= @since";

    /// <summary>
    /// A target row's key from <see cref="KeyColumns"/> values of <paramref name="record"/>: every key of the four
    /// tables is one or two integer columns, the second 0 when there is one.
    /// </summary>
    public (long, long) KeyOf(IDataRecord record) => (Convert.ToInt64(record.GetValue(0)), KeyColumns > 1 ? Convert.ToInt64(record.GetValue(1)) : 0);

    /// <summary>A target row's key from its values (<see cref="KeyOf(IDataRecord)"/>), or from a source row's values at <paramref name="at"/>.</summary>
    public (long, long) KeyOf(object?[] values, int[]? at = null) =>
        (Convert.ToInt64(values[at?[0] ?? 0]), KeyColumns > 1 ? Convert.ToInt64(values[at?[1] ?? 1]) : 0);

    /// <summary>The users the sync takes (over the source aliased s): active, with an email and a password.</summary>
    public const string ActiveUsers = "s.`is_active` = 1 AND s.`email` IS NOT NULL AND s.`email` <> '' AND s.`password` IS NOT NULL AND s.`password` <> ''";

    public static IReadOnlyList<TablePlan> All { get; } =
    [
        new(OrgSyncTable.Institutes, "institutes", ["id", "name", "imageUrl", "created_at", "updated_at"], null,
            "institute", ["instituteId", "name", "imageUrl", "createdAt", "updatedAt"], 1, ["id"],
            r => Dated(r, 3, [Id(r, 0), Text(r, 1), Text(r, 2), null, null]), []),
        new(OrgSyncTable.Users, "users", ["id", "first_name", "last_name", "email", "password", "created_at", "updated_at"], ActiveUsers,
            "user", ["userId", "name", "email", "password", "createdAt", "updatedAt"], 1, ["id"],
            r => Dated(r, 5, [Id(r, 0), OrgMappings.Name(Text(r, 1), Text(r, 2)), Text(r, 3), Text(r, 4), null, null]), [], FilterColumns: ["is_active"]),
        new(OrgSyncTable.InstituteUsers, "institute_user", ["institute_id", "user_id", "user_type", "status", "created_at", "updated_at"], null,
            "institute_users", ["instituteId", "userId", "role", "isActive", "createdAt", "updatedAt"], 2, ["institute_id", "user_id"],
            r => Dated(r, 4, [Id(r, 0), Id(r, 1), OrgMappings.Role(Text(r, 2)), OrgMappings.IsActive(Text(r, 3)), null, null]),
            [new(0, "institute", "instituteId"), new(1, "user", "userId")], LookupColumn: 1), // userId: indexed, few institutes per user
        new(OrgSyncTable.UserAuth, "users", ["id", "password", "created_at", "updated_at"], ActiveUsers,
            "user_auth", ["userId", "password", "createdAt", "updatedAt"], 1, ["id"],
            r => Dated(r, 2, [Id(r, 0), Text(r, 1), null, null]), [new(0, "user", "userId")], FilterColumns: ["is_active", "email"]),
    ];

    /// <summary>
    /// The mapped values, their last two (the created and updated times) filled from the source row's column
    /// <paramref name="createdAt"/> (created_at) and the one after it (updated_at).
    /// </summary>
    private static Mapped Dated(object[] row, int createdAt, object?[] values)
    {
        for (var column = createdAt; column <= createdAt + 1; column++)
        {
            // A zero date comes as DateTime.MinValue (the driver's ConvertZeroDateTime): no valid date, as NULL.
            if (row[column] is not DateTime { Year: > 1 })
            {
                return new(null, $"{(column == createdAt ? "created_at" : "updated_at")} holds no valid date ({(row[column] is DBNull ? "NULL" : "0000-00-00")})");
            }

            values[values.Length - 2 + column - createdAt] = row[column];
        }

        return new(values, null);
    }

    private static long Id(object[] row, int column) => Convert.ToInt64(row[column]);

    private static string? Text(object[] row, int column) => row[column] is DBNull ? null : Convert.ToString(row[column]);
}
