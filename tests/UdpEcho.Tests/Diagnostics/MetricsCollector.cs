using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace UdpEcho.Tests.Diagnostics;

/// <summary>
/// An <see cref="IMeterFactory"/> whose meters a <see cref="MeterListener"/> records. Listening only to this factory's
/// meters keeps measurements of servers in other, parallel tests out.
/// </summary>
internal sealed class MetricsCollector : IMeterFactory
{
    private readonly List<Meter> _meters = [];
    private readonly MeterListener _listener = new();

    /// <param name="only">When given, the one instrument to listen to, as a listener that wants just that one would.</param>
    public MetricsCollector(string? only = null)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            lock (_meters)
            {
                if (_meters.Contains(instrument.Meter) && (only is null || instrument.Name == only))
                {
                    Published++;
                    Instruments[instrument.Name] = instrument;
                    listener.EnableMeasurementEvents(instrument);
                }
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.Start();
    }

    public ConcurrentDictionary<string, Instrument> Instruments { get; } = new();

    public ConcurrentQueue<Measurement> Measurements { get; } = new();

    /// <summary>Gets how many instruments were published on this factory's meters, duplicates included.</summary>
    public int Published { get; private set; }

    /// <summary>Returns one meter per name, as the runtime's own factory does.</summary>
    public Meter Create(MeterOptions options)
    {
        lock (_meters)
        {
            var meter = _meters.Find(m => m.Name == options.Name);
            if (meter is null)
            {
                meter = new Meter(options.Name, options.Version, options.Tags, scope: this);
                _meters.Add(meter);
            }

            return meter;
        }
    }

    public IEnumerable<Measurement> Of(string instrument, params (string Key, string Value)[] tags) =>
        Measurements.Where(m => m.Instrument == instrument && tags.All(t => m.Tags.TryGetValue(t.Key, out var v) && v == t.Value));

    public double Sum(string instrument, params (string Key, string Value)[] tags) => Of(instrument, tags).Sum(m => m.Value);

    public void Dispose()
    {
        _listener.Dispose();
        lock (_meters)
        {
            _meters.ForEach(m => m.Dispose());
        }
    }

    /// <summary>Gets or sets what runs on every measurement, before it is recorded: a test makes a listener throw with it.</summary>
    public Action<string>? OnMeasurement { get; set; }

    private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        OnMeasurement?.Invoke(instrument.Name);
        var copy = new Dictionary<string, string>();
        foreach (var tag in tags)
        {
            copy[tag.Key] = tag.Value?.ToString() ?? string.Empty;
        }

        Measurements.Enqueue(new Measurement(instrument.Name, value, copy));
    }

    internal sealed record Measurement(string Instrument, double Value, Dictionary<string, string> Tags);
}
