package io.fusewire.topology.host;

import java.util.List;

/**
 * How far apart two PCI devices are, in the terms NCCL made common: PIX (one PCIe switch between
 * them), PXB (several switches, not crossing the host bridge), PHB (through the CPU's host bridge),
 * NODE (different host bridges on one NUMA node), SYS (across NUMA nodes, through the inter-socket link).
 */
public enum PciDistance
{
    /** The same PCI function: both paths end at one address (two functions of one card are PIX). */
    SAME,
    /** Through at most one PCIe switch. */
    PIX,
    /** Through several PCIe switches, not the host bridge. */
    PXB,
    /** Through the host bridge of one root complex. */
    PHB,
    /** Different root complexes on one NUMA node. */
    NODE,
    /** Different NUMA nodes. */
    SYS;

    /**
     * @param a      a device's PCI path from its root complex ({@code pci0000:00, ...}).
     * @param aNuma  its NUMA node, -1 if unknown.
     * @param b      the other's.
     * @param bNuma  its NUMA node.
     * @return their distance; SYS if either is not on PCI.
     */
    public static PciDistance between(final List<String> a, final int aNuma, final List<String> b, final int bNuma)
    {
        if (a.isEmpty() || b.isEmpty())
        {
            return SYS;
        }
        if (!a.getFirst().equals(b.getFirst()))
        {
            return aNuma >= 0 && aNuma == bNuma ? NODE : SYS;
        }
        int common = 0;
        while (common < a.size() && common < b.size() && a.get(common).equals(b.get(common)))
        {
            common++;
        }
        if (common == a.size() && common == b.size())
        {
            return SAME;
        }
        if (common == 1)
        {
            return PHB; // they meet at the root complex
        }
        // below a common switch (upstream port), each device sits under one downstream port: two levels at most
        return a.size() - common <= 2 && b.size() - common <= 2 ? PIX : PXB;
    }
}
