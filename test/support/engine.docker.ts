process.env.BERTH_TEST_ENGINE = 'docker';
