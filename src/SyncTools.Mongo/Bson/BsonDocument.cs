using System.Collections;

namespace SyncTools.Mongo.Bson;

public readonly record struct BsonElement(string Name, BsonValue Value);

/// <summary>An ordered BSON document: elements keep the order they were added in, names are unique.</summary>
public sealed class BsonDocument : BsonValue, IEnumerable<BsonElement>
{
    private const int IndexThreshold = 8;
    private readonly List<BsonElement> _elements;
    private Dictionary<string, int>? _index;

    public BsonDocument() => _elements = new List<BsonElement>();

    public BsonDocument(int capacity) => _elements = new List<BsonElement>(capacity);

    public BsonDocument(string name, BsonValue value) : this() => Add(name, value);

    public BsonDocument(IEnumerable<BsonElement> elements) : this()
    {
        foreach (var element in elements) Add(element.Name, element.Value);
    }

    public override BsonType BsonType => BsonType.Document;

    public int ElementCount => _elements.Count;

    public IEnumerable<string> Names => _elements.Select(e => e.Name);

    public IReadOnlyList<BsonElement> Elements => _elements;

    /// <summary>The value of an element; setting a name that is absent appends it.</summary>
    /// <exception cref="KeyNotFoundException">Reading a name that is absent.</exception>
    public BsonValue this[string name]
    {
        get => TryGetValue(name, out var value) ? value : throw new KeyNotFoundException($"The document has no element '{name}'.");
        set
        {
            var i = IndexOf(name);
            if (i < 0) Add(name, value);
            else _elements[i] = new BsonElement(name, value ?? BsonNull.Value);
        }
    }

    /// <summary>Appends an element. A null value is stored as BSON null.</summary>
    /// <exception cref="ArgumentException">The name is already present.</exception>
    public BsonDocument Add(string name, BsonValue? value)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (IndexOf(name) >= 0) throw new ArgumentException($"The document already has an element '{name}'.", nameof(name));
        AddUnchecked(name, value ?? BsonNull.Value);
        return this;
    }

    /// <summary>Appends an element when <paramref name="condition"/> holds, for building commands.</summary>
    public BsonDocument AddIf(bool condition, string name, BsonValue? value) => condition ? Add(name, value) : this;

    public bool Contains(string name) => IndexOf(name) >= 0;

    public bool TryGetValue(string name, out BsonValue value)
    {
        var i = IndexOf(name);
        value = i < 0 ? BsonNull.Value : _elements[i].Value;
        return i >= 0;
    }

    /// <summary>The value, or <paramref name="defaultValue"/> when absent.</summary>
    public BsonValue GetValue(string name, BsonValue defaultValue) => TryGetValue(name, out var value) ? value : defaultValue;

    public bool Remove(string name)
    {
        var i = IndexOf(name);
        if (i < 0) return false;
        _elements.RemoveAt(i);
        _index = null;
        return true;
    }

    public IEnumerator<BsonElement> GetEnumerator() => _elements.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override bool Equals(BsonValue? other) =>
        other is BsonDocument d && d._elements.Count == _elements.Count &&
        _elements.Zip(d._elements).All(p => p.First.Name == p.Second.Name && p.First.Value.Equals(p.Second.Value));

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var element in _elements)
        {
            hash.Add(element.Name);
            hash.Add(element.Value);
        }

        return hash.ToHashCode();
    }

    /// <summary>Appends without the duplicate check: for the decoder, which reads what a server sent.</summary>
    internal void AddUnchecked(string name, BsonValue value)
    {
        _elements.Add(new BsonElement(name, value));
        _index?.TryAdd(name, _elements.Count - 1);
    }

    private int IndexOf(string name)
    {
        if (_elements.Count <= IndexThreshold)
        {
            for (var i = 0; i < _elements.Count; i++)
            {
                if (_elements[i].Name == name) return i;
            }

            return -1;
        }

        if (_index is null)
        {
            _index = new Dictionary<string, int>(_elements.Count, StringComparer.Ordinal);
            for (var i = 0; i < _elements.Count; i++) _index.TryAdd(_elements[i].Name, i);
        }

        return _index.TryGetValue(name, out var index) ? index : -1;
    }
}
