# Long runs: checkpoint and resume, interruption, the time limit, torn and
# foreign journals, srun without PMI; under mpirun, a run stopped with 2
# ranks and resumed with 3, and a rank killed with SIGKILL.
het_e2e(checkpoint checkpoint.sh
  CONTRACT "interrupted is not lost: resume, replay, torn and foreign journals, --time-limit, srun")
het_e2e(mpi_checkpoint mpi_checkpoint.sh
  CONTRACT "under mpirun: stopped at 2 ranks and resumed at 3, a rank killed, an uninterrupted run's bits")
het_e2e(late_signal late_signal.sh
  CONTRACT "a signal swept over the end of a run: the whole answer or the interruption, never both")
# journal_edit rewrites a value and its record's checksum, as a knowing
# hand would.
add_executable(journal_edit journal_edit.c)
target_link_libraries(journal_edit PRIVATE het::XXHASH)
het_target_warnings(journal_edit)
het_e2e(journal_trust journal_trust.sh $<TARGET_FILE:journal_edit>
  CONTRACT "journals only this user's runs could write, possible partials only; unwritable: bad input")
# unit.test_journal fails the journal's reads as a disk would: the link
# sends the library's read() through the test's own.
target_link_options(test_journal PRIVATE -Wl,--wrap=read)
