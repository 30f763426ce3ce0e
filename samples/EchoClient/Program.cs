// The project's original client.c, rebuilt on UdpEchoClient: same arguments and output, without its bugs (gets()
// and its 511-byte buffer, resending the last line forever at end of input, "server closed" on an empty echo,
// waiting forever when no server answers).
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using UdpEcho;

const string Usage = "Usage: EchoClient ip port";
const int Retries = 2;
var timeout = TimeSpan.FromSeconds(1);

if (args.Length != 2)
{
    Console.WriteLine(Usage);
    return 1;
}

Console.WriteLine("This is a UDP client");

// IPv6 literals are accepted too; the original's inet_addr knew only IPv4.
if (!IPAddress.TryParse(args[0], out var address))
{
    Console.WriteLine("Incorrect ip address!");
    return 1;
}

// NumberStyles.None: digits only. Port 0 cannot be sent to, so unlike the server's port it is refused.
if (!int.TryParse(args[1], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > IPEndPoint.MaxPort)
{
    Console.Error.WriteLine($"Invalid port '{args[1]}': expected a number from 1 to 65535.");
    Console.WriteLine(Usage);
    return 1;
}

// Lines travel as UTF-8 both ways, whatever the locale says.
var utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);
Console.InputEncoding = utf8;
Console.OutputEncoding = utf8;

// ::ffff:a.b.c.d names an IPv4 host. UdpEchoClient would connect an IPv6-only socket to it, which Linux refuses
// with "Network is unreachable", so talk to the IPv4 address itself.
if (address.IsIPv4MappedToIPv6)
{
    address = address.MapToIPv4();
}

var remote = new IPEndPoint(address, port);
var maxPayload = address.AddressFamily == AddressFamily.InterNetworkV6
    ? UdpEchoServerOptions.MaxIPv6DatagramSize
    : UdpEchoServerOptions.MaxIPv4DatagramSize;

await using var client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = remote, Timeout = timeout, Retries = Retries });

// ReadLine returns null at end of input, which ends the loop: gets() left its buffer as it was and the original
// sent the last line again forever.
while (Console.In.ReadLine() is { } line)
{
    var payload = Encoding.UTF8.GetBytes(line);
    if (payload.Length > maxPayload)
    {
        // One line that cannot be a datagram is the user's to fix; the session goes on.
        Console.Error.WriteLine($"Line skipped: it is {payload.Length} bytes as UTF-8, but a UDP datagram to {remote} carries at most {maxPayload}.");
        continue;
    }

    try
    {
        // An empty line is a zero-length datagram, and its zero-length echo is a reply like any other.
        var reply = await client.SendAndReceiveAsync(payload);
        Console.WriteLine("received:" + Encoding.UTF8.GetString(reply.Payload.Span));
    }
    catch (UdpEchoException e) when (e.SocketErrorCode is SocketError.ConnectionRefused or SocketError.ConnectionReset)
    {
        // ICMP port unreachable: the library fails at once instead of waiting out the timeouts.
        Console.Error.WriteLine($"No reply from {remote}: no UDP echo server is listening there.");
        return 1;
    }
    catch (UdpEchoException e)
    {
        Console.Error.WriteLine($"No reply from {remote}: {e.Message}");
        return 1;
    }
    catch (TimeoutException)
    {
        Console.Error.WriteLine($"No reply from {remote} after {1 + Retries} attempts of {timeout.TotalSeconds:0.#} s each: is a UDP echo server running there?");
        return 1;
    }
    catch (SocketException e)
    {
        // For example a broadcast address, which a plain UDP socket may not send to.
        Console.Error.WriteLine($"Cannot send to {remote}: {e.Message}");
        return 1;
    }
}

return 0;
