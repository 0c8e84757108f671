/*
 * Fusewire's Open MPI peer: an nccl-tests style MPI_Allreduce sweep (float, sum).
 * Rank 0 prints, per size, a line the Fusewire harness reads:
 *   RESULT <bytes> <count> <mean us of the slowest rank> <wrong elements over all ranks>
 * Compiled and run by `fusewire perf compare` with mpicc and mpirun.
 * Arguments: min bytes, max bytes, factor, iterations (0 picks by size), check (0 or 1).
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, world;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &world);
    if (argc < 6)
    {
        if (rank == 0)
        {
            printf("FAILED usage: mpi_allreduce MIN MAX FACTOR ITERS CHECK\n");
        }
        MPI_Finalize();
        return 1;
    }
    const long min = atol(argv[1]), max = atol(argv[2]), factor = atol(argv[3]), fixed = atol(argv[4]);
    const int check = atoi(argv[5]);
    float *data = malloc((size_t)max);
    for (long size = min; size <= max; size *= factor)
    {
        const long count = size / 4;
        long iters = fixed > 0 ? fixed : (64L << 20) / size;
        iters = iters < 5 ? 5 : iters > 200 ? 200 : iters;
        memset(data, 0, (size_t)size);
        for (int i = 0; i < 2; i++)
        {
            MPI_Allreduce(MPI_IN_PLACE, data, (int)count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
        }
        MPI_Barrier(MPI_COMM_WORLD);
        const double start = MPI_Wtime();
        for (long i = 0; i < iters; i++)
        {
            MPI_Allreduce(MPI_IN_PLACE, data, (int)count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
        }
        double mean = (MPI_Wtime() - start) / (double)iters * 1e6, slowest = 0;
        MPI_Reduce(&mean, &slowest, 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
        long wrong = -1, total = -1;
        if (check)
        {
            wrong = 0;
            for (long i = 0; i < count; i++)
            {
                data[i] = (float)(i % 97 + rank);
            }
            MPI_Allreduce(MPI_IN_PLACE, data, (int)count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
            for (long i = 0; i < count; i++)
            {
                if (data[i] != (float)(world * (i % 97) + world * (world - 1) / 2))
                {
                    wrong++;
                }
            }
            MPI_Reduce(&wrong, &total, 1, MPI_LONG, MPI_SUM, 0, MPI_COMM_WORLD);
        }
        if (rank == 0)
        {
            printf("RESULT %ld %ld %.3f %ld\n", size, count, slowest, total);
            fflush(stdout);
        }
    }
    free(data);
    MPI_Finalize();
    return 0;
}
