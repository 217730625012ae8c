using System.Text;

namespace SyncTools.Core.PostgreSql;

/// <summary>
/// Reads one line of the test_decoding plugin's output:
/// <c>table public.items: UPDATE: old-key: id[integer]:5 new-tuple: id[integer]:6 name[text]:'it''s'</c>.
/// Names are as quote_ident writes them, types as format_type does, values in their text form, quoted when they are
/// strings (a quote inside doubled).
/// </summary>
public static class TestDecoding
{
    /// <summary>The operation (INSERT, UPDATE, DELETE, TRUNCATE) and every value the line holds for the column.</summary>
    /// <exception cref="FormatException">Not a line of test_decoding's row format.</exception>
    public static (string Operation, IReadOnlyList<string> Values) Parse(string line, string column)
    {
        var tableEnd = line.IndexOf(": ", StringComparison.Ordinal);
        var operationEnd = tableEnd < 0 ? -1 : line.IndexOf(':', tableEnd + 2);
        if (!line.StartsWith("table ", StringComparison.Ordinal) || operationEnd < 0) throw new FormatException($"Not a test_decoding row change: {line}");
        var operation = line[(tableEnd + 2)..operationEnd];
        var values = new List<string>();
        var i = operationEnd + 1;
        while (i < line.Length)
        {
            while (i < line.Length && line[i] == ' ') i++;
            if (i >= line.Length) break;
            var name = ReadName(line, ref i);
            if (i >= line.Length || line[i] != '[') continue; // a marker: "old-key:", "new-tuple:", "(no-tuple-data)"
            var typeEnd = line.IndexOf("]:", i, StringComparison.Ordinal);
            if (typeEnd < 0) throw new FormatException($"A value without a type in: {line}");
            i = typeEnd + 2;
            var (value, quoted) = ReadValue(line, ref i);
            if (name == column && (quoted || value != "null")) values.Add(value);
        }

        return (operation, values);
    }

    private static string ReadName(string line, ref int i)
    {
        if (line[i] != '"')
        {
            var start = i;
            while (i < line.Length && line[i] != '[' && line[i] != ' ') i++;
            return line[start..i];
        }

        var name = new StringBuilder();
        for (i++; i < line.Length; i++)
        {
            if (line[i] == '"' && i + 1 < line.Length && line[i + 1] == '"') { name.Append('"'); i++; }
            else if (line[i] == '"') { i++; break; }
            else name.Append(line[i]);
        }

        return name.ToString();
    }

    private static (string Value, bool Quoted) ReadValue(string line, ref int i)
    {
        if (i >= line.Length || line[i] != '\'')
        {
            var start = i;
            while (i < line.Length && line[i] != ' ') i++;
            return (line[start..i], false);
        }

        var value = new StringBuilder();
        for (i++; i < line.Length; i++)
        {
            if (line[i] == '\'' && i + 1 < line.Length && line[i + 1] == '\'') { value.Append('\''); i++; }
            else if (line[i] == '\'') { i++; break; }
            else value.Append(line[i]);
        }

        return (value.ToString(), true);
    }
}
