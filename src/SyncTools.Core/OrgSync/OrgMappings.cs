namespace SyncTools.Core.OrgSync;

/// <summary>The LAAS to organizations value rules of the source design.</summary>
public static class OrgMappings
{
    /// <summary>LAAS user_type to organization role, case-insensitive: TEACHER and INSTRUCTOR are FACULTY; anything unknown is STUDENT.</summary>
    public static string Role(string? userType) => userType?.Trim().ToUpperInvariant() switch
    {
        "ADMIN" => "ADMIN",
        "TEACHER" or "INSTRUCTOR" => "FACULTY",
        "STAFF" => "STAFF",
        "DIRECTOR" => "DIRECTOR",
        _ => "STUDENT",
    };

    /// <summary>ACTIVE (any case) is active; anything else, null included, is not.</summary>
    public static bool IsActive(string? status) => string.Equals(status?.Trim(), "ACTIVE", StringComparison.OrdinalIgnoreCase);

    /// <summary>First and last name, each trimmed, joined by one space only when both are there.</summary>
    public static string Name(string? firstName, string? lastName) =>
        string.Join(' ', new[] { firstName?.Trim(), lastName?.Trim() }.Where(p => !string.IsNullOrEmpty(p)));
}
